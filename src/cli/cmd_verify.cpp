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
    return render_attempt(a, invocation);
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
