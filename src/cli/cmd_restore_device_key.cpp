#include <fmt/format.h>

#include "context.hpp"
#include "exit_codes.hpp"
#include "photon_dct/ops/device_keys.hpp"
#include "report.hpp"

namespace photon_dct::cli {

// Shared with cmd_new_device_key.cpp (declared there; they belong in report.hpp, which this
// change does not own). Neither ever shows private key material: only states, sizes and the
// public key's fingerprint.
nlohmann::json device_key_json(const dct::DeviceKeyInfo& d);
std::string device_key_text(const dct::DeviceKeyInfo& d);
nlohmann::json device_key_result_json(const ops::DeviceKeyResult& r, const dct::Platform& platform);
std::string device_key_result_text(const ops::DeviceKeyResult& r, const dct::Platform& platform);

nlohmann::json device_key_json(const dct::DeviceKeyInfo& d) {
    return {{"state", dct::key_state_name(d.state)},
            {"algorithm", d.algorithm},
            {"der_length", d.der_length},
            {"firmware_parser_ok", d.firmware_parser_ok},
            {"problem", d.problem},
            {"public_key_sha256", d.public_fingerprint},
            {"stored_public_key", dct::public_key_state_name(d.public_key)},
            {"stored_public_key_alignment", d.public_key_alignment}};
}

std::string device_key_text(const dct::DeviceKeyInfo& d) {
    std::string key;
    switch (d.state) {
    case dct::KeyState::Absent: key = "absent (image too short)"; break;
    case dct::KeyState::Blank: key = "blank (first byte 0xFF)"; break;
    case dct::KeyState::Zero: key = "all zero"; break;
    case dct::KeyState::Garbage: key = fmt::format("garbage ({})", d.problem); break;
    case dct::KeyState::Valid:
        key = fmt::format("{}, {} bytes, {}, public key SHA-256 {}", d.algorithm, d.der_length,
                          d.firmware_parser_ok ? "readable by Device OS" : "NOT readable by Device OS: " + d.problem,
                          d.public_fingerprint);
        break;
    }
    return fmt::format("{}; stored public key {}{}", key, dct::public_key_state_name(d.public_key),
                       d.public_key_alignment.empty() ? "" : " (" + d.public_key_alignment + "-aligned)");
}

nlohmann::json device_key_result_json(const ops::DeviceKeyResult& r, const dct::Platform& platform) {
    const auto& slot = platform.slot(r.transport);
    return {{"source", r.source},
            {"transport", dct::transport_name(r.transport)},
            {"private_key_offset", slot.device_private_key_offset},
            {"private_key_size", slot.device_private_key_size},
            {"public_key_offset", slot.device_public_key_offset},
            {"public_key_size", slot.device_public_key_size},
            {"algorithm", r.algorithm},
            {"public_key_sha256", r.public_fingerprint},
            {"before", device_key_json(r.before)},
            {"after", device_key_json(r.after)},
            {"write", write_json(r.write)}};
}

std::string device_key_result_text(const ops::DeviceKeyResult& r, const dct::Platform& platform) {
    const auto& slot = platform.slot(r.transport);
    const std::string what =
        fmt::format("{} device key (private DCT {}..{}, public DCT {}..{})", r.transport == dct::Transport::Tcp ? "TCP" : "UDP",
                    slot.device_private_key_offset, slot.device_private_key_offset + slot.device_private_key_size - 1,
                    slot.device_public_key_offset, slot.device_public_key_offset + slot.device_public_key_size - 1);
    return fmt::format("{}\n{}\n  key:     {}, public key SHA-256 {}\n  before:  {}\n  after:   {}\n{}", r.source, what,
                       r.algorithm, r.public_fingerprint, device_key_text(r.before), device_key_text(r.after),
                       write_text(r.write, "The " + what));
}

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
