#include <fmt/format.h>

#include "invocation.hpp"
#include "exit_codes.hpp"
#include "photon_dct/ops/device_keys.hpp"
#include "report.hpp"

namespace photon_dct::cli {

namespace {

struct NewDeviceKeyOptions {
    TargetOptions target;
    std::string protocol;
    std::string out_dir = ".";
    WriteFlags write;
};

int run_new_device_key(const NewDeviceKeyOptions& o, Invocation& invocation) {
    ops::NewDeviceKeyRequest request;
    request.slot = slot_choice(o.protocol, "--protocol");
    request.out_dir = o.out_dir;
    request.write = write_options(o.write, invocation);
    auto target = make_target(o.target, invocation);
    const auto r = ops::new_device_key(target, request);

    if (invocation.json) {
        auto result = device_key_result_json(r.key);
        result["device_id"] = r.device_id;
        result["private_key_file"] = r.private_key_path.string();
        result["public_key_file"] = r.public_key_path.string();
        result["files_saved"] = r.files_saved;
        result["public_key_pem"] = r.key.public_pem;
        invocation.print_json_result(result, kExitOk);
        return kExitOk;
    }
    fmt::print("{}", device_key_result_text(r.key));
    if (r.files_saved)
        fmt::print("New key for device {}: private key {} (mode 0600, keep it safe), public key {}\n",
                   escape_text(r.device_id), escape_text(r.private_key_path.string()),
                   escape_text(r.public_key_path.string()));
    else
        fmt::print("Dry run: the key files {} and {} were not saved (the key was thrown away).\n",
                   escape_text(r.private_key_path.string()), escape_text(r.public_key_path.string()));
    fmt::print("Public key fingerprint (SHA-256 of the SPKI DER): {}\n", r.key.public_fingerprint);
    if (r.files_saved)
        fmt::print("Register {} with the cloud for device {} before the unit connects.\n",
                   escape_text(r.public_key_path.string()), escape_text(r.device_id));
    return kExitOk;
}

} // namespace

void register_new_device_key(CLI::App& app, Invocation& invocation) {
    auto o = std::make_shared<NewDeviceKeyOptions>();
    auto* cmd = app.add_subcommand(
        "new-device-key",
        "give the unit a new device key the firmware can read; saves DEVICEID.pem and DEVICEID.pub.pem before writing");
    add_target_options(*cmd, o->target, true);
    add_protocol_option(*cmd, o->protocol,
                        "slot to write: tcp (RSA-1024) or udp (EC P-256) (default: the one the unit uses)");
    cmd->add_option("--out-dir", o->out_dir, "where to save the key files (default: .; never overwritten)");
    add_write_flags(*cmd, o->write, "generate a key, show what would change, save and write nothing");
    set_runner(*cmd, invocation, o, run_new_device_key);
}

} // namespace photon_dct::cli
