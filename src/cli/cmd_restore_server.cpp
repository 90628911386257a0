#include <optional>

#include <fmt/format.h>

#include "invocation.hpp"
#include "exit_codes.hpp"
#include "photon_dct/ops/restore_server.hpp"
#include "report.hpp"

namespace photon_dct::cli {
namespace {

struct RestoreServerOptions {
    TargetOptions target;
    std::optional<std::string> pem; // given at all (an empty --host is the host rule's to refuse)
    std::optional<std::string> host;
    std::string port;
    std::string protocol;
    bool particle_cloud = false;
    WriteFlags write;
};

std::string summary(const dct::SlotInfo& s) {
    std::string connects;
    for (const auto& t : s.targets) {
        const auto one = t.connects ? fmt::format("{}:{}", escape_text(t.host), t.port) : "no connection";
        if (connects.find(one) == std::string::npos) connects += (connects.empty() ? "" : " / ") + one;
    }
    return fmt::format("key {}\n           address {}\n           connects to {}", server_key_text(s.server_key),
                       address_text(s), connects);
}

int run_restore_server(const RestoreServerOptions& o, Invocation& invocation) {
    if (!o.particle_cloud && (!o.pem || !o.host))
        throw Error(ErrorKind::Usage, "restore-server needs --pem and --host, or --particle-cloud",
                    "give the server's key and address (--pem KEYFILE --host HOST [--port PORT]), or "
                    "--particle-cloud for Particle's own cloud");
    ops::RestoreServerRequest request;
    request.particle_cloud = o.particle_cloud;
    request.key_path = o.pem.value_or("");
    request.host = {o.host.value_or(""), "--host"};
    request.port = option_value(o.port, "--port");
    request.slot = slot_choice(o.protocol, "--protocol");
    request.write = write_options(o.write, invocation);
    auto target = make_target(o.target, invocation);
    const auto r = ops::restore_server(target, request);
    for (const auto& w : r.warnings) invocation.warn(w);
    const auto& slot = r.platform->slot(r.slot);

    if (invocation.json) {
        invocation.print_json_result({{"source", r.source},
                                      {"unit", unit_json(r.unit)},
                                      {"slot", dct::slot_name(r.slot)},
                                      {"block_offset", slot.server_block_offset},
                                      {"block_size", slot.server_block_size},
                                      {"particle_cloud", request.particle_cloud},
                                      {"key_sha256", r.key_fingerprint},
                                      {"host", r.host},
                                      {"port", r.port ? nlohmann::json(*r.port) : nlohmann::json(nullptr)},
                                      {"before", slot_json(r.before)},
                                      {"after", slot_json(r.after)},
                                      {"write", write_json(r.write)}},
                                     kExitOk);
        return kExitOk;
    }
    const std::string what =
        fmt::format("{} server block (DCT {}..{})", r.slot == dct::Slot::Tcp ? "TCP" : "UDP", slot.server_block_offset,
                    slot.server_block_offset + slot.server_block_size - 1);
    fmt::print("{}\n{}\n  before:  {}\n  after:   {}\n{}", escape_text(r.source), what, summary(r.before),
               summary(r.after), write_text(r.write, "The " + what));
    return kExitOk;
}

} // namespace

void register_restore_server(CLI::App& app, Invocation& invocation) {
    auto o = std::make_shared<RestoreServerOptions>();
    auto* cmd = app.add_subcommand(
        "restore-server", "write the server public key and address block (backup first, one write, read-back verify)");
    add_target_options(*cmd, o->target, true);
    auto* pem = cmd->add_option(
        "--pem", o->pem, "the server's public key (PEM or DER; a private key is accepted, its public half is used)");
    auto* host = cmd->add_option("--host", o->host, "server DNS name (at most 63 characters) or IPv4 address");
    auto* port =
        cmd->add_option("--port", o->port, "server port, 1-65534 (default: the firmware's, 5683 TCP / 5684 UDP)");
    cmd->add_flag("--particle-cloud", o->particle_cloud,
                  "Particle's own cloud: its public key for the slot and the address the firmware restores "
                  "(device.spark.io TCP, $id.udp.particle.io UDP); not with --pem, --host or --port")
        ->excludes(pem)
        ->excludes(host)
        ->excludes(port);
    add_protocol_option(*cmd, o->protocol, "slot to write: tcp or udp (default: the one the unit uses)");
    add_write_flags(*cmd, o->write);
    set_runner(*cmd, invocation, o, run_restore_server);
}

} // namespace photon_dct::cli
