#include "photon_dct/ops/usecases.hpp"

#include <fmt/format.h>

#include "photon_dct/error.hpp"
#include "photon_dct/keys/key.hpp"

namespace photon_dct::ops {
namespace {

const dct::SlotInfo& slot_of(const dct::DctReport& r, dct::Transport t) {
    return t == dct::Transport::Udp && r.udp ? *r.udp : r.tcp;
}

} // namespace

InspectResult inspect(DctStore& store, std::optional<dct::OsRange> os_range) {
    InspectResult r;
    r.source = store.description();
    r.window = store.read_window();
    r.report = dct::decode_dct(store.platform(), r.window, {os_range, store.selector_args()});
    return r;
}

BackupResult backup(DctStore& store, const std::optional<std::filesystem::path>& path) {
    BackupResult r;
    r.source = store.description();
    const Bytes window = store.read_window();
    r.path = path.value_or(store.default_backup_path(window));
    write_new_file(r.path, window, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    r.size = window.size();
    r.sha256 = keys::sha256_hex(window);
    return r;
}

dct::Transport choose_transport(const dct::Platform& platform, const Bytes& window,
                                std::optional<dct::Transport> asked) {
    if (asked) {
        if (*asked == dct::Transport::Udp && !platform.has_udp_slot)
            throw Error(ErrorKind::Refused,
                        fmt::format("--protocol udp: the {} only uses TCP; its firmware never reads the UDP slot",
                                    platform.display_name),
                        "leave out --protocol (TCP is the default) or select an Electron");
        return *asked;
    }
    return dct::active_transport(platform, window);
}

ServerBlockInput check_server_block_input(const RestoreServerRequest& request) {
    const dct::Host host = dct::parse_host(request.host);
    std::optional<std::uint16_t> port;
    if (request.port) port = dct::parse_port(*request.port);
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
                                   const ServerBlockInput& input) {
    std::optional<dct::Transport> transport = request.protocol;
    if (transport)
        choose_transport(platform, {}, transport); // refuses UDP on a TCP-only platform
    else if (!platform.has_udp_slot)
        transport = dct::Transport::Tcp;
    if (transport) dct::server_key_der_for_slot(*transport, input.key);
}

RestoreServerResult restore_server(DctStore& store, const RestoreServerRequest& request,
                                   const ServerBlockInput& input) {
    RestoreServerResult r;
    r.source = store.description();
    r.warnings = input.warnings;
    r.key_fingerprint = input.key_fingerprint;
    r.host = dct::host_to_string(input.host);
    r.port = input.port;

    const Bytes window = store.read_window();
    r.transport = choose_transport(store.platform(), window, request.protocol);
    const auto& slot = store.platform().slot(r.transport);
    const Bytes block = dct::encode_server_block(
        slot, {r.transport, dct::server_key_der_for_slot(r.transport, input.key), input.host, input.port});

    r.write = write_regions(store, window, {{slot.server_block_offset, block}}, request.write);
    const dct::DecodeOptions options{std::nullopt, store.selector_args()};
    r.before = slot_of(dct::decode_dct(store.platform(), r.write.before, options), r.transport);
    r.after = slot_of(dct::decode_dct(store.platform(), r.write.after, options), r.transport);
    return r;
}

} // namespace photon_dct::ops
