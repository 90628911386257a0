#include "photon_dct/ops/inspect.hpp"

#include <fmt/format.h>

#include "photon_dct/error.hpp"
#include "photon_dct/keys/key.hpp"
#include "background.hpp"

namespace photon_dct::ops {
namespace {

std::string field_names(const dct::Platform& p) {
    std::string names;
    for (const auto& f : p.fields) names += (names.empty() ? "" : ", ") + std::string(f.name);
    return names;
}

void check_raw_fields(const dct::Platform& platform, const std::vector<std::string>& names) {
    for (const auto& name : names) {
        try {
            static_cast<void>(platform.field(name));
        } catch (const std::out_of_range&) {
            throw Error(ErrorKind::InvalidInput, fmt::format("--raw {}: no such DCT field", name),
                        "fields: " + field_names(platform));
        }
    }
}

} // namespace

void require_new_file(const std::filesystem::path& path, std::string_view what) {
    std::error_code ec;
    if (std::filesystem::exists(std::filesystem::symlink_status(path, ec)))
        throw Error(ErrorKind::FileIo,
                    fmt::format("{} '{}' already exists; photon-dct never overwrites a file", what, path.string()),
                    "choose another name or move the old file");
}

InspectResult inspect(Target& target, const InspectRequest& request) {
    std::optional<dct::OsRange> os_range;
    if (request.device_os) os_range = dct::parse_os_version(request.device_os->text, request.device_os->source);
    if (const auto* platform = target.known_platform()) check_raw_fields(*platform, request.raw_fields);
    DctStore& store = target.acquire();
    check_raw_fields(store.platform(), request.raw_fields);

    InspectResult r;
    r.source = store.description();
    r.platform = &store.platform();
    const dct::DecodeOptions options{os_range, store.selector_arguments(), store.usb_device_id()};
    // The window is decoded on a second thread while the unit is returned to dfuIDLE, the read's
    // last round trip (issue 9: host time); declared after `options`, so it is waited for first.
    std::future<dct::DctReport> decoded;
    r.window = target.read_window([&](const Bytes& window) {
        decoded = in_background([&platform = store.platform(), window, &options] {
            return dct::decode_dct(platform, window, options);
        });
    });
    r.unit = unit_info(store, r.window);
    if (request.alt_names && r.unit.usb) r.unit.usb->alt_names = store.alt_names();
    r.report = decoded.valid() ? decoded.get() : dct::decode_dct(store.platform(), r.window, options);
    return r;
}

BackupResult backup(Target& target, const BackupRequest& request) {
    if (request.output) require_new_file(*request.output, "-o");
    DctStore& store = target.acquire();
    BackupResult r;
    r.source = store.description();
    const Bytes window = target.read_window();
    r.unit = unit_info(store, window);
    r.path = request.output.value_or(store.default_backup_path(window));
    write_new_file(r.path, window, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    r.size = window.size();
    r.sha256 = keys::sha256_hex(window);
    return r;
}

} // namespace photon_dct::ops
