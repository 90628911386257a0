#include <fmt/format.h>

#include "invocation.hpp"
#include "exit_codes.hpp"
#include "photon_dct/ops/target.hpp"
#include "photon_dct/text.hpp"
#include "station.hpp"

namespace photon_dct::cli {
namespace {

struct VerifyOptions {
    TargetOptions target;
    ProfileOptions profile;
};

int run_verify(const VerifyOptions& o, Invocation& invocation) {
    const auto loaded = load_station(o.profile);
    auto target = make_target(o.target, invocation);
    const auto a = bench::verify_unit(target, loaded.station);
    throw_if_error(a);
    if (invocation.json) {
        invocation.print_json_result(attempt_json(a), a.exit_code);
        return a.exit_code;
    }
    fmt::print("{}\n", unit_line(a));
    if (a.result == bench::AuditResult::Differs || a.result == bench::AuditResult::Failed)
        for (const auto& f : a.findings) fmt::print("  {}: {}\n", f.code, escape_text(f.message));
    return a.exit_code;
}

} // namespace

void register_verify(CLI::App& app, Invocation& invocation) {
    auto o = std::make_shared<VerifyOptions>();
    auto* cmd = app.add_subcommand(
        "verify", "check that a unit holds what a profile says, without writing (exit 0 conforms, 11 differs)");
    add_target_options(*cmd, o->target, false);
    add_profile_options(*cmd, o->profile);
    set_runner(*cmd, invocation, o, run_verify);
}

} // namespace photon_dct::cli
