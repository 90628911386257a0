#include <fmt/format.h>

#include "context.hpp"
#include "exit_codes.hpp"
#include "photon_dct/error.hpp"
#include "photon_dct/ops/device_keys.hpp"
#include "photon_dct/ops/usecases.hpp"

namespace photon_dct::cli {
namespace {

struct ExportPublicKeyOptions {
    TargetOptions target;
    std::string output;
    std::string protocol;
};

int run_export_public_key(const ExportPublicKeyOptions& o, Context& context) {
    std::optional<dct::Transport> protocol;
    protocol = protocol_choice(o.protocol);
    const auto target = target_request(o.target, context);
    if (const auto* platform = ops::platform_if_known(target); platform && protocol)
        ops::choose_transport(*platform, {}, protocol);
    if (!o.output.empty() && std::filesystem::exists(std::filesystem::symlink_status(o.output)))
        throw Error(ErrorKind::FileIo,
                    fmt::format("-o '{}' already exists; photon-dct never overwrites a file", o.output),
                    "choose another name or move the old file");

    auto store = ops::open_target(target);
    context.progress(fmt::format("reading the DCT of {}", store->description()));
    const auto r = ops::export_public_key(*store, protocol);
    const auto& slot = store->platform().slot(r.transport);

    if (!o.output.empty()) {
        ops::write_new_file(o.output,
                            ByteView(reinterpret_cast<const std::uint8_t*>(r.public_pem.data()), r.public_pem.size()),
                            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                                std::filesystem::perms::group_read | std::filesystem::perms::others_read);
    }
    if (context.json) {
        context.print_json_result({{"source", r.source},
                                   {"transport", dct::transport_name(r.transport)},
                                   {"private_key_offset", slot.device_private_key_offset},
                                   {"device_id", r.device_id ? nlohmann::json(*r.device_id) : nlohmann::json(nullptr)},
                                   {"algorithm", r.algorithm},
                                   {"public_key_sha256", r.fingerprint},
                                   {"public_key_pem", r.public_pem},
                                   {"output", o.output.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.output)}},
                                  kExitOk);
        return kExitOk;
    }
    const std::string about = fmt::format("{} {} device public key{}, SHA-256 {}", r.algorithm,
                                          r.transport == dct::Transport::Tcp ? "TCP" : "UDP",
                                          r.device_id ? " of device " + escape_text(*r.device_id) : "", r.fingerprint);
    if (o.output.empty()) {
        fmt::print("{}", r.public_pem);
        context.progress(about);
    } else {
        fmt::print("Saved the {} to {}\n", about, escape_text(o.output));
    }
    return kExitOk;
}

} // namespace

void register_export_public_key(CLI::App& app, Context& context) {
    auto o = std::make_shared<ExportPublicKeyOptions>();
    auto* cmd = app.add_subcommand("export-public-key",
                                   "print (or save) the device public key, derived from the private key in the DCT");
    add_target_options(*cmd, o->target, false);
    cmd->add_option("-o,--output", o->output, "save the PEM to this file (never overwritten) instead of printing it");
    add_protocol_option(*cmd, o->protocol, "slot to read: tcp or udp (default: the one the unit uses)");
    set_runner(*cmd, context, o, run_export_public_key);
}

} // namespace photon_dct::cli
