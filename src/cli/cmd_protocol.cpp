#include <fmt/format.h>

#include "context.hpp"
#include "exit_codes.hpp"
#include "photon_dct/error.hpp"
#include "photon_dct/ops/device_keys.hpp"
#include "photon_dct/ops/protocol.hpp"
#include "report.hpp"

namespace photon_dct::cli {
namespace {

struct ProtocolOptions {
    TargetOptions target;
    std::string protocol;
    WriteFlags write;
};

int run_protocol(const ProtocolOptions& o, Context& context) {
    const auto target = target_request(o.target, context);
    if (const auto* platform = ops::platform_if_known(target)) ops::check_protocol_platform(*platform);
    if (o.protocol.empty() && (o.write.dry_run || o.write.leave))
        throw Error(ErrorKind::Usage, "--dry-run and --leave only apply when setting a protocol (tcp or udp)");

    auto store = ops::open_target(target);
    context.progress(fmt::format("reading the DCT of {}", store->description()));
    ops::ProtocolResult r;
    if (o.protocol.empty()) {
        r = ops::show_protocol(*store);
    } else {
        r = ops::set_protocol(*store, *protocol_choice(o.protocol), write_options(o.write, context));
    }
    if (context.json) {
        nlohmann::json result{{"source", r.source},
                              {"offset", store->platform().field("cloud_transport").offset},
                              {"protocol", dct::transport_name(r.after)},
                              {"byte", r.byte_after}};
        if (r.write) {
            result["before"] = {{"protocol", dct::transport_name(r.before)}, {"byte", r.byte_before}};
            result["write"] = write_json(*r.write);
        }
        context.print_json_result(result, kExitOk);
        return kExitOk;
    }
    const auto offset = store->platform().field("cloud_transport").offset;
    if (!r.write) {
        fmt::print("{}\ncloud_transport (DCT {}) = 0x{:02x}: {}\n", escape_text(r.source), offset, r.byte_before,
                   r.before == dct::Transport::Udp ? "udp (0xFF, the default)" : "tcp (any value but 0xFF)");
        return kExitOk;
    }
    fmt::print("{}\ncloud_transport (DCT {}): {} (0x{:02x}) -> {} (0x{:02x})\n{}", escape_text(r.source), offset,
               dct::transport_name(r.before), r.byte_before, dct::transport_name(r.after), r.byte_after,
               write_text(*r.write, "cloud_transport"));
    return kExitOk;
}

} // namespace

void register_protocol(CLI::App& app, Context& context) {
    auto o = std::make_shared<ProtocolOptions>();
    auto* cmd = app.add_subcommand(
        "protocol", "show or set the Electron's cloud protocol (cloud_transport, DCT 2977); Photon/P1 are TCP only");
    add_target_options(*cmd, o->target, true);
    cmd->add_option("protocol", o->protocol, "tcp or udp to set it (writes 0x00 / 0xFF); leave out to show it")
        ->check(CLI::IsMember({"tcp", "udp"}));
    add_write_flags(*cmd, o->write);
    set_runner(*cmd, context, o, run_protocol);
}

} // namespace photon_dct::cli
