// The files photon-dct writes besides the image (issue 8): backups and key files belong to the
// user who ran sudo; a dangling symlink at the automatic backup name is skipped, never followed;
// key files are saved in pairs or not at all.
#include <gtest/gtest.h>

#include <chrono>
#include <climits>
#include <ctime>
#include <optional>

#include "cli_test_support.hpp"

namespace {

using namespace cli_test;

constexpr const char* kDeviceId = "3a0036000247363333343435"; // device_id of the test images

// Sets an environment variable for the photon-dct runs of one test.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const std::string& value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        ::setenv(name, value.c_str(), 1);
    }
    ~ScopedEnv() {
        if (old_)
            ::setenv(name_, old_->c_str(), 1);
        else
            ::unsetenv(name_);
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    const char* name_;
    std::optional<std::string> old_;
};

struct Owner {
    unsigned uid;
    unsigned gid;
};

Owner owner_of(const fs::path& p) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0) throw std::runtime_error("lstat failed: " + p.string());
    return {st.st_uid, st.st_gid};
}

// The one entry of `after` that is not in `before`.
std::string new_entry(const std::set<std::string>& before, const std::set<std::string>& after) {
    std::vector<std::string> added;
    std::set_difference(after.begin(), after.end(), before.begin(), before.end(), std::back_inserter(added));
    EXPECT_EQ(added.size(), 1u);
    return added.empty() ? std::string() : added.front();
}

TEST(FilesWritten, UnderSudoBackupsAndKeyFilesBelongToTheInvokingUser) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: only root can give a file to another user";
    const TempDir dir;
    const auto image = dir / "unit.dct";
    fs::copy_file(kProvisioned, image);
    const auto keys = dir.dir("keys");
    const auto before = entries(dir.path());
    const ScopedEnv uid("SUDO_UID", "4321");
    const ScopedEnv gid("SUDO_GID", "4322");

    const auto r =
        run({"new-device-key", "--file", image.string(), "--platform", "photon", "--out-dir", keys.string()});
    ASSERT_EQ(r.status, 0) << r.err;
    const auto backup = dir.path() / new_entry(before, entries(dir.path()));
    ASSERT_TRUE(starts_with(backup.filename().string(), "unit.dct.backup-")) << backup;
    for (const auto& file :
         {backup, keys / (std::string(kDeviceId) + ".pem"), keys / (std::string(kDeviceId) + ".pub.pem")}) {
        const Owner o = owner_of(file);
        EXPECT_EQ(o.uid, 4321u) << file;
        EXPECT_EQ(o.gid, 4322u) << file;
    }
    // The image keeps its own owner: only new files are given away.
    EXPECT_EQ(owner_of(image).uid, 0u);

    const auto named = dir / "named-backup.dct";
    const auto b = run({"backup", "--file", image.string(), "--platform", "photon", "-o", named.string()});
    ASSERT_EQ(b.status, 0) << b.err;
    EXPECT_EQ(owner_of(named).uid, 4321u);
    EXPECT_EQ(owner_of(named).gid, 4322u);
}

TEST(FilesWritten, DanglingSymlinkAtTheBackupNameIsSkippedNotFollowed) {
    const TempDir dir;
    const auto image = dir / "unit.dct";
    fs::copy_file(kFieldFailure, image);
    // The automatic name has a one-second timestamp: plant a dangling link at the name of every
    // second the run may start in.
    std::vector<fs::path> links;
    const auto now = std::chrono::system_clock::now();
    for (int s = 0; s < 30; ++s) {
        const std::time_t t = std::chrono::system_clock::to_time_t(now + std::chrono::seconds(s));
        std::tm tm{};
        ::gmtime_r(&t, &tm);
        char stamp[32];
        std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
        const auto link = dir / ("unit.dct.backup-" + std::string(stamp) + ".dct");
        fs::create_symlink(dir / ("elsewhere-" + std::to_string(s)), link);
        links.push_back(link);
    }
    const auto before = entries(dir.path());

    const auto r = run({"restore-server", "--file", image.string(), "--platform", "photon", "--pem",
                        kServerPub.string(), "--host", "cloud.example.com"});
    ASSERT_EQ(r.status, 0) << r.err;
    const auto backup = dir.path() / new_entry(before, entries(dir.path()));
    EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(backup))) << backup;
    EXPECT_EQ(read_bytes(backup), read_bytes(kFieldFailure));
    EXPECT_TRUE(contains(backup.filename().string(), "-2.dct")) << backup; // the next free name
    EXPECT_TRUE(contains(r.err, backup.string())) << r.err;
    for (std::size_t s = 0; s < links.size(); ++s) {
        EXPECT_TRUE(fs::is_symlink(links[s])) << links[s];
        EXPECT_FALSE(fs::exists(dir / ("elsewhere-" + std::to_string(s)))) << "a link was followed";
    }
}

TEST(FilesWritten, PublicKeyFileFailureRemovesThePrivateOneAndWritesNothing) {
    const TempDir dir;
    const auto image = dir / "unit.dct";
    fs::copy_file(kProvisioned, image);
    // An --out-dir whose path leaves room for DEVICEID.pem (28 characters) but not for
    // DEVICEID.pub.pem (32) within PATH_MAX: the second file cannot be created (ENAMETOOLONG).
    fs::path out = dir.path();
    const std::size_t want = PATH_MAX - 1 - 1 - 30; // PATH_MAX counts the NUL; "/" + 30 < 32
    while (out.string().size() + 1 + 200 + 1 < want) out /= std::string(200, 'd');
    out /= std::string(want - out.string().size() - 1, 'e');
    ASSERT_EQ(out.string().size() + 1 + 28, std::size_t{PATH_MAX - 1 - 2});
    fs::create_directories(out);
    const auto before = entries(dir.path());

    const auto r = run({"new-device-key", "--file", image.string(), "--platform", "photon", "--out-dir", out.string()});
    EXPECT_EQ(r.status, 8) << r.err; // file I/O
    const auto priv = out / (std::string(kDeviceId) + ".pem");
    const auto pub = out / (std::string(kDeviceId) + ".pub.pem");
    EXPECT_TRUE(contains(r.err, "cannot create '" + pub.string() + "': File name too long; the private key file '" +
                                    priv.string() +
                                    "' written just before was removed again; nothing was written to "
                                    "image " +
                                    image.string()))
        << r.err;
    EXPECT_TRUE(fs::is_empty(out)) << "a key file stayed behind";
    EXPECT_EQ(read_bytes(image), read_bytes(kProvisioned));
    EXPECT_EQ(entries(dir.path()), before) << "no backup: nothing was to be written yet";
}

} // namespace
