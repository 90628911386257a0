#include "photon_dct/ops/restore.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "photon_dct/error.hpp"
#include "photon_dct/keys/key.hpp"
#include "photon_dct/ops/device_keys.hpp"

namespace photon_dct::ops {
namespace {

std::string_view field_at(const dct::Platform& platform, std::uint32_t offset) {
    const dct::FieldSpec* best = nullptr;
    for (const auto& f : platform.fields)
        if (offset >= f.offset && offset < f.offset + f.size && (!best || f.size < best->size)) best = &f;
    if (best) return best->name;
    return offset >= dct::kAppDctSize ? "(past the application DCT)" : "(no field)";
}

bool only_erased_or_zero(const Bytes& bytes, const std::vector<NamedRange>& regions) {
    for (const auto& r : regions)
        for (std::uint32_t i = r.offset; i < r.offset + r.length; ++i)
            if (bytes[i] != 0x00 && bytes[i] != 0xFF) return false;
    return true;
}

std::string ranges_text(const std::vector<NamedRange>& regions) {
    std::string out;
    for (const auto& r : regions)
        out += fmt::format("{}{} {}..{}", out.empty() ? "" : ", ", r.field, r.offset, r.offset + r.length - 1);
    return out;
}

} // namespace

std::string_view device_id_source_name(DeviceIdSource s) {
    return s == DeviceIdSource::UsbSerial ? "usb_serial" : "dct";
}

std::string_view restore_scope_name(RestoreScope s) {
    switch (s) {
    case RestoreScope::Server:
        return "server";
    case RestoreScope::DeviceKey:
        return "device-key";
    case RestoreScope::All:
        return "all";
    }
    return "all";
}

RestoreScope parse_restore_scope(std::string_view text) {
    if (text == "server") return RestoreScope::Server;
    if (text == "device-key") return RestoreScope::DeviceKey;
    if (text == "all") return RestoreScope::All;
    throw Error(ErrorKind::Usage, fmt::format("--only '{}': expected server, device-key or all", text));
}

Bytes read_restore_backup(const RestoreRequest& request) {
    return read_bounded_file(request.from, "--from " + request.from.string(), dct_image_rule());
}

std::vector<NamedRange> restore_regions(const dct::Platform& platform, RestoreScope scope, std::size_t available) {
    std::vector<NamedRange> out;
    const auto add = [&](std::uint32_t offset, std::uint32_t length, std::string name, RangeKind kind) {
        out.push_back({offset, length, std::move(name), kind});
    };
    std::vector<dct::Slot> slots{dct::Slot::Tcp};
    if (platform.has_udp_slot) slots.push_back(dct::Slot::Udp);
    switch (scope) {
    case RestoreScope::Server:
        for (auto t : slots) {
            const auto& s = platform.slot(t);
            add(s.server_block_offset, s.server_block_size, fmt::format("{} server block", dct::slot_name(t)),
                RangeKind::ServerBlock);
        }
        break;
    case RestoreScope::DeviceKey:
        for (auto t : slots) {
            const auto& s = platform.slot(t);
            add(s.device_private_key_offset, s.device_private_key_size,
                fmt::format("{} device private key", dct::slot_name(t)), RangeKind::DevicePrivateKey);
            add(s.device_public_key_offset, s.device_public_key_size,
                fmt::format("{} device public key", dct::slot_name(t)), RangeKind::DevicePublicKey);
        }
        break;
    case RestoreScope::All:
        add(0, static_cast<std::uint32_t>(std::min<std::size_t>(dct::kAppDctSize, available)), "application DCT",
            RangeKind::ApplicationDct);
        break;
    }
    for (const auto& r : out)
        if (std::size_t{r.offset} + r.length > available)
            throw Error(ErrorKind::InvalidInput,
                        fmt::format("the {} ({}..{}) is past the end of the {}-byte backup or DCT", r.field, r.offset,
                                    r.offset + r.length - 1, available),
                        "use a full backup (photon-dct backup saves the whole 16 KiB window)");
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.offset < b.offset; });
    return out;
}

std::vector<NamedRange> describe_changes(const dct::Platform& platform, const std::vector<ChangedRange>& changes) {
    std::vector<NamedRange> out;
    for (const auto& c : changes) {
        for (std::uint32_t i = c.offset; i < c.offset + c.length; ++i) {
            const auto name = field_at(platform, i);
            auto* last = out.empty() ? nullptr : &out.back();
            if (last && last->field == name && i - (last->offset + last->length) < 16) {
                last->length = i - last->offset + 1;
                ++last->differing;
            } else {
                out.push_back({i, 1, std::string(name), RangeKind::Field, 1});
            }
        }
    }
    return out;
}

namespace {

// The refusals that need only the backup: nothing in the regions --only names but erased or zero
// bytes, or (device-key) a blank private key. `available` clips the regions (restore_regions).
void check_backup_holds(const RestoreRequest& request, const dct::Platform& platform, const Bytes& backup,
                        std::size_t available) {
    const auto regions = restore_regions(platform, request.scope, available);
    // A backup that holds nothing in these regions would only erase the unit.
    if (only_erased_or_zero(backup, regions))
        throw Error(
            ErrorKind::InvalidInput,
            fmt::format("--from {}: the backup holds only erased (0xFF) or zero bytes in what --only {} restores "
                        "({}); there is nothing to restore",
                        request.from.string(), restore_scope_name(request.scope), ranges_text(regions)),
            "use a backup taken while the unit was working (photon-dct backup)");
    if (request.scope != RestoreScope::DeviceKey) return;
    const bool any_key = std::any_of(regions.begin(), regions.end(), [&](const NamedRange& r) {
        if (r.kind != RangeKind::DevicePrivateKey) return false;
        const ByteView area(backup.data() + r.offset, r.length);
        return area[0] != 0xFF && std::any_of(area.begin(), area.end(), [](auto b) { return b != 0; });
    });
    if (!any_key)
        throw Error(ErrorKind::InvalidInput,
                    fmt::format("--from {}: the backup's device private key field is blank; there is no key to restore",
                                request.from.string()),
                    "use an older backup, or give the unit a new key with `photon-dct new-device-key`");
}

} // namespace

RestoreResult restore(Target& target, const RestoreRequest& request) {
    const Bytes backup = read_restore_backup(request);
    if (const auto* platform = target.known_platform()) check_backup_holds(request, *platform, backup, backup.size());
    target.require_backup_dir(request.write);
    DctStore& store = target.acquire();
    const auto& platform = store.platform();
    check_backup_holds(request, platform, backup, backup.size());

    RestoreResult r;
    r.source = store.description();
    r.platform = &platform;
    r.from = request.from;
    r.backup_sha256 = keys::sha256_hex(backup);
    r.scope = request.scope;

    const Bytes window = target.read_window();
    const std::size_t available = std::min(backup.size(), window.size());
    r.regions = restore_regions(platform, request.scope, available);
    if (request.scope == RestoreScope::All && available < dct::kAppDctSize)
        r.warnings.push_back(fmt::format("only bytes 0..{} are restored: the {} is {} bytes", available - 1,
                                         backup.size() < window.size() ? "backup" : "target image", available));
    check_backup_holds(request, platform, backup, available);

    r.unit = unit_info(store, window);
    // The backup must come from this unit. Its USB serial is the MCU's ID and cannot have been
    // copied from another unit, unlike the DCT's device_id (docs/dct-format.md 5.4, 7.1).
    r.backup_device_id = dct::stored_device_id(platform, backup);
    // unit_info already chose the USB serial's ID, else the DCT's: unit.device_id is compared.
    r.unit_device_id_from = store.usb_device_id() ? DeviceIdSource::UsbSerial : DeviceIdSource::Dct;
    const std::string unit_says = r.unit_device_id_from == DeviceIdSource::UsbSerial
                                      ? "this unit's USB serial says"
                                      : "this DCT's device_id field (3618) says";
    std::string mismatch;
    if (!r.backup_device_id)
        mismatch = "the backup has no device ID (its device_id field at DCT 3618 is blank), so it cannot be matched to "
                   "this unit";
    else if (!r.unit.device_id)
        mismatch = fmt::format("the unit has no device ID (no ID in a USB serial, a blank device_id field) to compare "
                               "with the backup's {}",
                               *r.backup_device_id);
    else if (*r.backup_device_id != *r.unit.device_id)
        mismatch = fmt::format("the backup is for {}, {} {}", *r.backup_device_id, unit_says, *r.unit.device_id);
    if (!mismatch.empty()) {
        if (!request.force)
            throw Error(
                ErrorKind::Refused, fmt::format("refusing to restore --from {}: {}", request.from.string(), mismatch),
                "restore a backup of this very unit; add --force only if you are sure (device keys are per unit)");
        r.forced = true;
        r.warnings.push_back("--force: " + mismatch);
    }

    std::vector<Region> regions;
    for (const auto& nr : r.regions)
        regions.push_back({nr.offset, Bytes(backup.begin() + nr.offset, backup.begin() + nr.offset + nr.length)});
    r.write = write_regions(store, window, regions, request.write);
    r.changes = describe_changes(platform, r.write.changed);
    return r;
}

} // namespace photon_dct::ops
