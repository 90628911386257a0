#include <fmt/format.h>

#include "context.hpp"
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

int run_restore_device_key(const RestoreDeviceKeyOptions& o, Context& context) {
    ops::RestoreDeviceKeyRequest request;
    request.key_path = o.pem;
    request.protocol = protocol_choice(o.protocol);
    request.write = write_options(o.write, context);

    // The key file (and, for an image, the platform) are checked before the target is touched.
    const auto target = target_request(o.target, context);
    const auto input = ops::check_device_key_input(request, ops::platform_if_known(target));

    auto store = ops::open_target(target);
    context.progress(fmt::format("reading the DCT of {}", store->description()));
    const auto r = ops::restore_device_key(*store, request, input);

    if (context.json) {
        context.print_json_result(device_key_result_json(r, store->platform()), kExitOk);
        return kExitOk;
    }
    fmt::print("{}", device_key_result_text(r, store->platform()));
    return kExitOk;
}

} // namespace

void register_restore_device_key(CLI::App& app, Context& context) {
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
    set_runner(*cmd, context, o, run_restore_device_key);
}

} // namespace photon_dct::cli
