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
    bool dry_run = false;
    bool leave = false;
};

int run_restore_device_key(const RestoreDeviceKeyOptions& o, Context& context) {
    ops::RestoreDeviceKeyRequest request;
    request.key_path = o.pem;
    if (o.protocol == "tcp") request.protocol = dct::Transport::Tcp;
    if (o.protocol == "udp") request.protocol = dct::Transport::Udp;
    request.write.dry_run = o.dry_run;
    request.write.leave = o.leave;
    request.write.progress = [&context](std::string_view line) { context.progress(line); };

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
    cmd->add_option("--protocol", o->protocol, "slot to write: tcp or udp (default: the one the unit uses)")
        ->check(CLI::IsMember({"tcp", "udp"}));
    cmd->add_flag("--dry-run", o->dry_run, "show what would change and write nothing");
    cmd->add_flag("--leave", o->leave, "after a verified write, reset the unit into its firmware");
    cmd->callback([o, &context] {
        context.command = "restore-device-key";
        context.run = [o, &context] { return run_restore_device_key(*o, context); };
    });
}

} // namespace photon_dct::cli
