#include <fmt/format.h>

#include "invocation.hpp"
#include "exit_codes.hpp"
#include "photon_dct/ops/device_keys.hpp"
#include "report.hpp"

namespace photon_dct::cli {

namespace {

struct RestoreDeviceKeyOptions {
    TargetOptions target;
    std::string pem;
    std::string protocol;
    WriteFlags write;
};

int run_restore_device_key(const RestoreDeviceKeyOptions& o, Invocation& invocation) {
    ops::RestoreDeviceKeyRequest request;
    request.key_path = o.pem;
    request.slot = slot_choice(o.protocol, "--protocol");
    request.write = write_options(o.write, invocation);
    auto target = make_target(o.target, invocation);
    const auto r = ops::restore_device_key(target, request);

    if (invocation.json) {
        invocation.print_json_result(device_key_result_json(r), kExitOk);
        return kExitOk;
    }
    fmt::print("{}", device_key_result_text(r));
    return kExitOk;
}

} // namespace

void register_restore_device_key(CLI::App& app, Invocation& invocation) {
    auto o = std::make_shared<RestoreDeviceKeyOptions>();
    auto* cmd = app.add_subcommand(
        "restore-device-key",
        "write the unit's own private key and its matching public key (backup first, one write, read-back verify)");
    add_target_options(*cmd, o->target, true);
    cmd->add_option("--pem", o->pem,
                    "the device private key (PEM or DER): RSA-1024, e=65537 for TCP; EC P-256 for UDP (Electron)")
        ->required();
    add_protocol_option(*cmd, o->protocol, "slot to write: tcp or udp (default: the one the unit uses)");
    add_write_flags(*cmd, o->write);
    set_runner(*cmd, invocation, o, run_restore_device_key);
}

} // namespace photon_dct::cli
