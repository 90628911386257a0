// restore-server through the real CLI on a copy of the field-failure image: the backup, the bytes
// that change, the second run that writes nothing, --dry-run, a private key as --pem.
#include <gtest/gtest.h>

#include "cli_test_support.hpp"

namespace {

using namespace cli_test;
namespace keys = photon_dct::keys;

std::vector<std::string> restore_args(const fs::path& image, const fs::path& pem) {
    return {"restore-server",    "--file", image.string(), "--pem", pem.string(), "--host",
            "cloud.example.com", "--port", "5683"};
}

std::vector<std::string> backups_in(const fs::path& dir) {
    std::vector<std::string> out;
    for (const auto& name : entries(dir))
        if (contains(name, ".backup")) out.push_back(name);
    return out;
}

class RestoreServerEdit : public ::testing::Test {
protected:
    void SetUp() override {
        image_ = dir_ / "unit.dct";
        fs::copy_file(kFieldFailure, image_);
        original_ = read_bytes(image_);
    }
    TempDir dir_;
    fs::path image_;
    photon_dct::Bytes original_;
};

TEST_F(RestoreServerEdit, WritesBackupFirstAndChangesOnlyTheTcpServerBlock) {
    const auto r = run(restore_args(image_, kServerPub), dir_.path());
    ASSERT_EQ(r.status, 0) << r.err;

    // The backup: next to the image, ".backup" in its name, mode 0600, the original bytes.
    const auto backups = backups_in(dir_.path());
    ASSERT_EQ(backups.size(), 1u) << "entries: " << ::testing::PrintToString(entries(dir_.path()));
    EXPECT_EQ(entries(dir_.path()), (std::set<std::string>{"unit.dct", backups[0]}));
    const fs::path backup = dir_ / backups[0];
    EXPECT_EQ(file_mode(backup), 0600u);
    EXPECT_EQ(read_bytes(backup), original_);
    EXPECT_TRUE(contains(r.out, backups[0])) << "the report names the backup:\n" << r.out;

    // The image: same size, every changed byte inside 2082..2593, and the block really changed.
    const auto after = read_bytes(image_);
    ASSERT_EQ(after.size(), original_.size());
    std::size_t changed = 0;
    for (std::size_t i = 0; i < after.size(); ++i) {
        if (after[i] == original_[i]) continue;
        ++changed;
        EXPECT_TRUE(i >= kTcpBlockBegin && i < kTcpBlockEnd) << "byte " << i << " changed outside 2082..2593";
    }
    EXPECT_GT(changed, 0u);

    // The block holds the sample key's 294-byte DER and the domain address (type 1, length 17).
    const auto der = keys::load_key_file(kServerPub).spki_der();
    ASSERT_EQ(der.size(), 294u);
    EXPECT_TRUE(std::equal(der.begin(), der.end(), after.begin() + kTcpBlockBegin));
    const std::string host = "cloud.example.com";
    EXPECT_EQ(after[2466], 0x01);
    EXPECT_EQ(after[2467], host.size());
    EXPECT_EQ(std::string(after.begin() + 2468, after.begin() + 2468 + static_cast<long>(host.size())), host);
    EXPECT_EQ(after[2082 + 450], 0x16); // port 5683 = 0x1633, big-endian
    EXPECT_EQ(after[2082 + 451], 0x33);
    EXPECT_TRUE(contains(r.out, "one write")) << r.out;
}

TEST_F(RestoreServerEdit, SecondRunWritesNothingAndMakesNoSecondBackup) {
    ASSERT_EQ(run(restore_args(image_, kServerPub), dir_.path()).status, 0);
    const auto listing = entries(dir_.path());
    ASSERT_EQ(listing.size(), 2u);
    const std::string sha = sha256_file(image_);
    const auto mtime = fs::last_write_time(image_);

    const auto again = run(restore_args(image_, kServerPub), dir_.path());
    EXPECT_EQ(again.status, 0) << again.err;
    EXPECT_TRUE(contains(again.out, "already holds exactly these bytes: nothing written")) << again.out;
    EXPECT_EQ(entries(dir_.path()), listing) << "a second backup (or other file) appeared";
    EXPECT_EQ(sha256_file(image_), sha);
    EXPECT_EQ(fs::last_write_time(image_), mtime) << "the image was rewritten although nothing changed";
}

TEST_F(RestoreServerEdit, DryRunWritesNothingAndCreatesNoFile) {
    const auto r = run(
        [&] {
            auto a = restore_args(image_, kServerPub);
            a.push_back("--dry-run");
            return a;
        }(),
        dir_.path());
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(contains(r.out, "Dry run")) << r.out;
    EXPECT_TRUE(contains(r.out, "nothing written")) << r.out;
    EXPECT_EQ(read_bytes(image_), original_);
    EXPECT_EQ(entries(dir_.path()), std::set<std::string>{"unit.dct"});
}

TEST_F(RestoreServerEdit, PrivateKeyPemIsAcceptedWithAWarning) {
    TempDir key_dir;
    const auto key = keys::generate_rsa(2048);
    const fs::path pem = key_dir / "server-private.pem";
    write_text(pem, key.private_pem());

    const auto r = run(restore_args(image_, pem), dir_.path());
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(contains(r.err, "warning:")) << r.err;
    EXPECT_TRUE(contains(r.err, "private key")) << r.err;
    EXPECT_TRUE(contains(r.err, keys::fingerprint(key))) << "the warning names the fingerprint used:\n" << r.err;
    EXPECT_FALSE(contains(r.out, "PRIVATE KEY"));
    EXPECT_FALSE(contains(r.err, "PRIVATE KEY"));
    const auto after = read_bytes(image_);
    const auto der = key.spki_der();
    EXPECT_TRUE(std::equal(der.begin(), der.end(), after.begin() + kTcpBlockBegin))
        << "the public half of the private key is what was written";
    EXPECT_EQ(backups_in(dir_.path()).size(), 1u);
}

TEST_F(RestoreServerEdit, RepairedImageNoLongerHasTheBlankAddressError) {
    const auto before = run({"inspect", "--file", image_.string()}, dir_.path());
    EXPECT_EQ(before.status, 11);
    EXPECT_TRUE(contains(before.out, "device.spark.io:5683")) << before.out;
    ASSERT_EQ(run(restore_args(image_, kServerPub), dir_.path()).status, 0);
    const auto after = run({"inspect", "--file", image_.string()}, dir_.path());
    EXPECT_EQ(after.status, 0) << after.out;
    EXPECT_TRUE(contains(after.out, "cloud.example.com:5683")) << after.out;
}

TEST_F(RestoreServerEdit, ExistingFilesInTheDirectoryAreNeverOverwritten) {
    // A file that looks like a backup from an earlier run stays as it is; the new backup gets its own name.
    const fs::path decoy = dir_ / "unit.dct.backup-decoy.dct";
    write_text(decoy, "decoy");
    ASSERT_EQ(run(restore_args(image_, kServerPub), dir_.path()).status, 0);
    EXPECT_EQ(read_bytes(decoy), (photon_dct::Bytes{'d', 'e', 'c', 'o', 'y'}));
    EXPECT_EQ(backups_in(dir_.path()).size(), 2u);
}

} // namespace
