#include <fmt/format.h>

#include "invocation.hpp"
#include "exit_codes.hpp"
#include "photon_dct/ops/device_keys.hpp"
#include "report.hpp"

namespace photon_dct::cli {
namespace {

struct ExportPublicKeyOptions {
    TargetOptions target;
    std::string output;
    std::string protocol;
};

int run_export_public_key(const ExportPublicKeyOptions& o, Invocation& invocation) {
    ops::ExportPublicKeyRequest request;
    request.slot = slot_choice(o.protocol, "--protocol");
    if (!o.output.empty()) request.output = o.output;
    auto target = make_target(o.target, invocation);
    const auto r = ops::export_public_key(target, request);
    const auto& slot = r.platform->slot(r.slot);
    if (invocation.json) {
        invocation.print_json_result({{"source", r.source},
                                      {"unit", unit_json(r.unit)},
                                      {"slot", dct::slot_name(r.slot)},
                                      {"private_key_offset", slot.device_private_key_offset},
                                      {"device_id", optional_json(r.unit.device_id)},
                                      {"algorithm", r.algorithm},
                                      {"public_key_sha256", r.fingerprint},
                                      {"public_key_pem", r.public_pem},
                                      {"output", text_or_null(o.output)}},
                                     kExitOk);
        return kExitOk;
    }
    const std::string about =
        fmt::format("{} {} device public key{}, SHA-256 {}", r.algorithm, r.slot == dct::Slot::Tcp ? "TCP" : "UDP",
                    r.unit.device_id ? " of device " + escape_text(*r.unit.device_id) : "", r.fingerprint);
    if (o.output.empty()) {
        fmt::print("{}", r.public_pem);
        invocation.progress(about);
    } else {
        fmt::print("Saved the {} to {}\n", about, escape_text(o.output));
    }
    return kExitOk;
}

} // namespace

void register_export_public_key(CLI::App& app, Invocation& invocation) {
    auto o = std::make_shared<ExportPublicKeyOptions>();
    auto* cmd = app.add_subcommand("export-public-key",
                                   "print (or save) the device public key, derived from the private key in the DCT");
    add_target_options(*cmd, o->target, false);
    cmd->add_option("-o,--output", o->output, "save the PEM to this file (never overwritten) instead of printing it");
    add_protocol_option(*cmd, o->protocol, "slot to read: tcp or udp (default: the one the unit uses)");
    set_runner(*cmd, invocation, o, run_export_public_key);
}

} // namespace photon_dct::cli
