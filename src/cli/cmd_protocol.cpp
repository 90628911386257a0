#include <fmt/format.h>

#include "invocation.hpp"
#include "exit_codes.hpp"
#include "photon_dct/ops/protocol.hpp"
#include "report.hpp"

namespace photon_dct::cli {
namespace {

struct ProtocolOptions {
    TargetOptions target;
    std::string protocol;
    WriteFlags write;
};

int run_protocol(const ProtocolOptions& o, Invocation& invocation) {
    ops::ProtocolRequest request;
    request.set = slot_choice(o.protocol, "the protocol argument");
    request.write = write_options(o.write, invocation);
    auto target = make_target(o.target, invocation);
    const auto r = ops::protocol(target, request);
    const auto offset = r.platform->field("cloud_transport").offset;
    if (invocation.json) {
        nlohmann::json result{{"source", r.source},
                              {"unit", unit_json(r.unit)},
                              {"offset", offset},
                              {"protocol", dct::slot_name(r.after)},
                              {"byte", r.byte_after}};
        if (r.write) {
            result["before"] = {{"protocol", dct::slot_name(r.before)}, {"byte", r.byte_before}};
            result["write"] = write_json(*r.write);
        }
        invocation.print_json_result(result, kExitOk);
        return kExitOk;
    }
    if (!r.write) {
        fmt::print("{}\ncloud_transport (DCT {}) = 0x{:02x}: {}\n", escape_text(r.source), offset, r.byte_before,
                   r.before == dct::Slot::Udp ? "udp (0xFF, the default)" : "tcp (any value but 0xFF)");
        return kExitOk;
    }
    fmt::print("{}\ncloud_transport (DCT {}): {} (0x{:02x}) -> {} (0x{:02x})\n{}", escape_text(r.source), offset,
               dct::slot_name(r.before), r.byte_before, dct::slot_name(r.after), r.byte_after,
               write_text(*r.write, "cloud_transport"));
    return kExitOk;
}

} // namespace

void register_protocol(CLI::App& app, Invocation& invocation) {
    auto o = std::make_shared<ProtocolOptions>();
    auto* cmd = app.add_subcommand(
        "protocol", "show or set the Electron's cloud protocol (cloud_transport, DCT 2977); Photon/P1 are TCP only");
    add_target_options(*cmd, o->target, true);
    cmd->add_option("protocol", o->protocol, "tcp or udp to set it (writes 0x00 / 0xFF); leave out to show it")
        ->check(CLI::IsMember({"tcp", "udp"}));
    add_write_flags(*cmd, o->write);
    set_runner(*cmd, invocation, o, run_protocol);
}

} // namespace photon_dct::cli
