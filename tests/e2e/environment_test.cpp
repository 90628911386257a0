// Issue 11: environment defaults a bench sets once (PHOTON_DCT_DEVICE, PHOTON_DCT_BACKUP_DIR);
// an option on the command line wins, and --file/--path set aside an inherited device ID.
#include <cstdlib>

#include "e2e_support.hpp"

namespace e2e {
namespace {

// Sets a variable for the children of this test (photon-dct-emu passes its environment on).
class ScopedEnv {
public:
    ScopedEnv(const char* name, const std::string& value) : name_(name) { ::setenv(name, value.c_str(), 1); }
    ~ScopedEnv() { ::unsetenv(name_); }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    const char* name_;
};

std::vector<std::string> restore_server(std::vector<std::string> extra = {}) {
    auto args = dct({"restore-server", "--pem", kServerPem.string(), "--host", "cloud.example.com", "--port", "5683"});
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

Bytes original() { return window(read_file(kFieldFailure)); }

// Which of the emulated units the command wrote to.
std::vector<bool> written(const EmuRun& e) {
    std::vector<bool> out;
    for (const auto& d : e.dumps) out.push_back(!same_image(d, original()));
    return out;
}

EmuOptions three_units() {
    EmuOptions o;
    o.dct = kFieldFailure;
    o.devices = 3;
    return o;
}

TEST(Environment, DeviceIdSelectsAmongSeveral) {
    TempDir tmp;
    ScopedEnv device("PHOTON_DCT_DEVICE", kUnitSerials[2]);
    const auto e = emu_run(three_units(), restore_server(), tmp.path());
    ASSERT_EQ(e.r.exit_code, 0) << e.r.describe();
    EXPECT_EQ(written(e), (std::vector<bool>{false, false, true}));
}

TEST(Environment, ExplicitDeviceWins) {
    TempDir tmp;
    ScopedEnv device("PHOTON_DCT_DEVICE", kUnitSerials[2]);
    const auto e = emu_run(three_units(), restore_server({"--device", kUnitSerials[0]}), tmp.path());
    ASSERT_EQ(e.r.exit_code, 0) << e.r.describe();
    EXPECT_EQ(written(e), (std::vector<bool>{true, false, false}));
}

TEST(Environment, ExplicitPathSetsTheInheritedDeviceAside) {
    TempDir tmp;
    ScopedEnv device("PHOTON_DCT_DEVICE", kUnitSerials[2]);
    const auto e = emu_run(three_units(), restore_server({"--path", "1-2"}), tmp.path());
    ASSERT_EQ(e.r.exit_code, 0) << e.r.describe();
    EXPECT_EQ(written(e), (std::vector<bool>{false, true, false}));
}

TEST(Environment, FileSetsTheInheritedDeviceAside) {
    TempDir tmp;
    ScopedEnv device("PHOTON_DCT_DEVICE", kUnitSerials[0]);
    const auto r = run(dct({"inspect", "--file", kFieldFailure.string()}), tmp.path());
    EXPECT_EQ(r.exit_code, 11) << r.describe(); // decoded, with findings; not "--file with --device"
}

TEST(Environment, BackupDirDefaultAndExplicitWins) {
    TempDir tmp;
    const auto from_env = tmp.dir("from-env");
    const auto explicit_dir = tmp.dir("explicit");
    ScopedEnv dir("PHOTON_DCT_BACKUP_DIR", from_env.string());
    EmuOptions o;
    o.dct = kFieldFailure;
    const auto e = emu_run(o, restore_server(), tmp.path());
    ASSERT_EQ(e.r.exit_code, 0) << e.r.describe();
    EXPECT_EQ(files_in(from_env).size(), 1u) << e.r.describe();

    const auto again = emu_run(o, restore_server({"--backup-dir", explicit_dir.string()}), tmp.path());
    ASSERT_EQ(again.r.exit_code, 0) << again.r.describe();
    EXPECT_EQ(files_in(explicit_dir).size(), 1u) << again.r.describe();
    EXPECT_EQ(files_in(from_env).size(), 1u); // still only the first run's backup
}

} // namespace
} // namespace e2e
