#include <fmt/format.h>

#include "invocation.hpp"
#include "exit_codes.hpp"
#include "photon_dct/ops/target.hpp"
#include "photon_dct/text.hpp"
#include "station.hpp"

namespace photon_dct::cli {
namespace {

struct ProvisionOptions {
    TargetOptions target;
    ProfileOptions profile;
    bool leave = false;
};

int run_provision(const ProvisionOptions& o, Invocation& invocation) {
    const auto loaded = load_station(o.profile);
    auto target = make_target(o.target, invocation);
    const auto a = bench::provision_unit(target, loaded.station, {o.leave, invocation.progress_sink()});
    return render_attempt(a, invocation);
}

} // namespace

void register_provision(CLI::App& app, Invocation& invocation) {
    auto o = std::make_shared<ProvisionOptions>();
    auto* cmd = app.add_subcommand(
        "provision", "bring one unit to a profile: plan every change, backup, ONE write, read-back verify, audit");
    add_target_options(*cmd, o->target, false);
    add_profile_options(*cmd, o->profile);
    cmd->add_flag("--leave", o->leave, "afterwards (written or already conforming), reset the unit into its firmware");
    set_runner(*cmd, invocation, o, run_provision);
}

} // namespace photon_dct::cli
