#include "photon_dct/ops/restore_server.hpp"

#include <tuple>
#include <vector>

#include <fmt/format.h>

#include "photon_dct/dct/known_keys.hpp"
#include "photon_dct/error.hpp"
#include "photon_dct/keys/key.hpp"
#include "background.hpp"

namespace photon_dct::ops {
namespace {

const dct::SlotInfo& slot_of(const dct::DctReport& r, dct::Slot t) {
    return t == dct::Slot::Udp && r.udp ? *r.udp : r.tcp;
}

} // namespace

ServerBlockInput check_server_block_input(const RestoreServerRequest& request) {
    const dct::Host host = dct::parse_host(request.host.text, request.host.source);
    std::optional<std::uint16_t> port;
    if (request.port) port = dct::parse_port(request.port->text, request.port->source);
    keys::Key key = keys::load_key_file(request.key_path, "--pem " + request.key_path.string());
    std::vector<std::string> warnings;
    if (key.is_private())
        warnings.push_back(fmt::format("{} holds a private key; using its public key (fingerprint {})",
                                       request.key_path.string(), keys::fingerprint(key)));
    const std::string fingerprint = keys::fingerprint(key);
    const std::string algorithm = key.algorithm_name();
    return ServerBlockInput{std::move(key), fingerprint, algorithm, host, port, std::move(warnings)};
}

void check_server_key_for_platform(const dct::Platform& platform, const RestoreServerRequest& request,
                                   const ServerBlockInput* input) {
    const auto slot = slot_before_read(platform, request.slot);
    if (slot && input) dct::server_key_der_for_slot(*slot, input->key);
}

RestoreServerResult restore_server(Target& target, const RestoreServerRequest& request) {
    // The key file is read and checked while the unit is picked: both take about 2 ms of host time.
    std::optional<ServerBlockInput> input;
    target.require_backup_dir(request.write);
    target.select_while([&] {
        if (!request.particle_cloud) input = check_server_block_input(request);
    });
    const ServerBlockInput* given = input ? &*input : nullptr;
    if (const auto* platform = target.known_platform()) check_server_key_for_platform(*platform, request, given);
    DctStore& store = target.acquire();
    const auto& platform = store.platform();
    check_server_key_for_platform(platform, request, given);

    RestoreServerResult r;
    r.source = store.description();
    r.platform = &platform;
    const Bytes window = target.read_window();
    r.unit = unit_info(store, window);
    r.slot = choose_slot(platform, window, request.slot);
    const auto& layout = platform.slot(r.slot);
    Bytes block;
    if (input) {
        r.warnings = input->warnings;
        r.key_fingerprint = input->key_fingerprint;
        r.host = dct::host_to_string(input->host);
        r.port = input->port;
        block = dct::encode_server_block(
            layout, {r.slot, dct::server_key_der_for_slot(r.slot, input->key), input->host, input->port});
    } else {
        r.key_fingerprint = keys::fingerprint(r.slot == dct::Slot::Tcp ? dct::particle_tcp_server_key()
                                                                       : dct::particle_udp_server_key());
        r.host = std::string(layout.default_host);
        block = dct::particle_cloud_server_block(layout);
    }

    // The slot before and after is decoded while the unit writes and reads back.
    const std::vector<Region> regions{{layout.server_block_offset, block}};
    const Bytes after = apply_regions(window, regions);
    const dct::DecodeOptions options{std::nullopt, store.selector_arguments(), store.usb_device_id()};
    auto decoded = in_background([&platform, &options, slot = r.slot, &window, &after] {
        return std::pair{slot_of(dct::decode_dct(platform, window, options), slot),
                         slot_of(dct::decode_dct(platform, after, options), slot)};
    });
    r.write = write_regions(store, window, regions, request.write);
    std::tie(r.before, r.after) = decoded.get();
    return r;
}

} // namespace photon_dct::ops
