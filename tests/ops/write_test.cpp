// The one write path (write_regions) and restore-server on image files.
#include <algorithm>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "photon_dct/dct/server_block.hpp"
#include "photon_dct/error.hpp"
#include "photon_dct/keys/key.hpp"
#include "photon_dct/ops/restore_server.hpp"
#include "photon_dct/ops/write.hpp"

namespace fs = std::filesystem;
using namespace photon_dct;

#include "catch_error.hpp"
#include "ops_test_support.hpp"

namespace {

using namespace ops_test;

class WriteRegionsTest : public ::testing::Test {
protected:
    void SetUp() override {
        image = Bytes(dct::kDfuWindowSize, 0xFF);
        image[3618] = 0x3a;
        path = dir.path() / "unit.dct";
        write_all(path, image);
    }
    TempDir dir;
    fs::path path;
    Bytes image;
};

} // namespace

TEST_F(WriteRegionsTest, OneWriteSpansAllRegionsAndKeepsBytesBetween) {
    image[1000] = 0x42; // between the two regions: must survive the merged write
    write_all(path, image);
    CountingStore store(path, photon());
    const auto out = ops::write_regions(store, image, {{34, Bytes(4, 0x11)}, {1250, Bytes(2, 0x22)}}, {});
    EXPECT_EQ(store.writes, 1);
    EXPECT_EQ(out.write_offset, 34u);
    EXPECT_EQ(out.write_length, 1252u - 34u);
    EXPECT_TRUE(out.verified);
    const Bytes after = read_all(path);
    Bytes expected = image;
    std::fill_n(expected.begin() + 34, 4, 0x11);
    std::fill_n(expected.begin() + 1250, 2, 0x22);
    EXPECT_EQ(after, expected);
    ASSERT_TRUE(out.backup);
    EXPECT_EQ(read_all(*out.backup), image);
    EXPECT_EQ(fs::status(*out.backup).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
}

TEST_F(WriteRegionsTest, UnchangedBytesAreNotWrittenAndNotBackedUp) {
    CountingStore store(path, photon());
    const auto out = ops::write_regions(store, image, {{2082, Bytes(512, 0xFF)}}, {});
    EXPECT_TRUE(out.already_current);
    EXPECT_EQ(store.writes, 0);
    EXPECT_FALSE(out.backup);
    EXPECT_EQ(dir.count(), 1u);
}

TEST_F(WriteRegionsTest, DryRunWritesNothing) {
    CountingStore store(path, photon());
    const auto out = ops::write_regions(store, image, {{2082, Bytes(10, 0x00)}}, {.dry_run = true});
    EXPECT_TRUE(out.dry_run);
    EXPECT_EQ(store.writes, 0);
    EXPECT_EQ(read_all(path), image);
    EXPECT_EQ(dir.count(), 1u);
    ASSERT_EQ(out.changed.size(), 1u);
    EXPECT_EQ(out.changed[0].offset, 2082u);
    EXPECT_EQ(out.changed[0].length, 10u);
}

TEST_F(WriteRegionsTest, RefusesBytesPastTheApplicationDct) {
    CountingStore store(path, photon());
    try {
        ops::write_regions(store, image, {{8390, Bytes(2, 0x00)}}, {});
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Refused);
        EXPECT_NE(std::string(e.what()).find("8391"), std::string::npos);
    }
    EXPECT_EQ(store.writes, 0);
    EXPECT_EQ(read_all(path), image);
}

TEST_F(WriteRegionsTest, RefusesAnAllZeroDct) {
    write_all(path, Bytes(dct::kDfuWindowSize, 0x00));
    CountingStore store(path, photon());
    try {
        ops::write_regions(store, Bytes(dct::kDfuWindowSize, 0x00), {{2082, Bytes(4, 0x01)}}, {});
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::DeviceDataInvalid);
    }
    EXPECT_EQ(store.writes, 0);
    EXPECT_EQ(dir.count(), 1u);
}

TEST_F(WriteRegionsTest, FailedWriteNamesTheBackupAndKeepsTheImage) {
    CountingStore store(path, photon(), CountingStore::Fault::ThrowOnWrite);
    try {
        ops::write_regions(store, image, {{2082, Bytes(4, 0x01)}}, {.leave = true});
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::UsbIo);
        EXPECT_NE(std::string(e.what()).find("backup"), std::string::npos);
    }
    EXPECT_EQ(read_all(path), image);
    EXPECT_EQ(dir.count(), 2u); // image + backup
    EXPECT_EQ(store.leaves, 0);
}

TEST(ApplyRegions, WritesEachRegionOverTheWindowAndRefusesOneOutsideIt) {
    const Bytes window(16, 0xFF);
    Bytes expected = window;
    expected[2] = 0x01;
    expected[3] = 0x02;
    expected[15] = 0x03;
    EXPECT_EQ(ops::apply_regions(window, {{2, Bytes{0x01, 0x02}}, {15, Bytes{0x03}}}), expected);
    EXPECT_EQ(test_support::catch_error([&] {
                  ops::apply_regions(window, {{15, Bytes{0x01, 0x02}}});
              }).kind(),
              ErrorKind::Internal);
}

// The backup is written on another thread while the unit takes the set-address command
// (DctStore::prepare_write); the write itself starts only once the whole backup is on disk.
TEST_F(WriteRegionsTest, BackupIsOnDiskBeforeTheFirstByteIsWritten) {
    CountingStore store(path, photon());
    ops::WriteOptions o;
    o.backup_path = dir.path() / "before.dct";
    Bytes seen;
    store.before_write = [&] { seen = read_all(*o.backup_path); };
    const auto out = ops::write_regions(store, image, {{34, Bytes(4, 0x11)}}, o);
    EXPECT_TRUE(out.verified);
    EXPECT_EQ(store.prepares, 1);
    EXPECT_EQ(store.writes, 1);
    EXPECT_EQ(seen, image);
}

TEST_F(WriteRegionsTest, BackupThatCannotBeWrittenStopsBeforeTheWrite) {
    CountingStore store(path, photon());
    ops::WriteOptions o;
    o.backup_path = dir.path() / "no-such-dir" / "before.dct";
    const Error e = test_support::catch_error([&] { ops::write_regions(store, image, {{34, Bytes(4, 0x11)}}, o); });
    EXPECT_EQ(e.kind(), ErrorKind::FileIo) << e.what();
    EXPECT_EQ(store.writes, 0);
    EXPECT_EQ(read_all(path), image);
}

TEST_F(WriteRegionsTest, ReadBackMismatchIsAnErrorAndDoesNotLeave) {
    CountingStore store(path, photon(), CountingStore::Fault::CorruptOnWrite);
    try {
        ops::write_regions(store, image, {{2082, Bytes(4, 0x01)}}, {.leave = true});
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::VerifyMismatch);
        EXPECT_NE(std::string(e.what()).find("2085"), std::string::npos) << e.what();
    }
    EXPECT_EQ(store.leaves, 0);
}

TEST_F(WriteRegionsTest, LeaveOnlyAfterVerifiedWrite) {
    CountingStore store(path, photon());
    const auto out = ops::write_regions(store, image, {{2082, Bytes(4, 0x01)}}, {.leave = true});
    EXPECT_TRUE(out.verified);
    EXPECT_TRUE(out.left);
    EXPECT_EQ(store.leaves, 1);
}

TEST(FileStoreTest, BackupNeverOverwritesAnExistingFile) {
    TempDir dir;
    const auto p = dir.path() / "x.bin";
    write_all(p, Bytes{1, 2, 3});
    try {
        ops::write_new_file(p, Bytes{9}, fs::perms::owner_read | fs::perms::owner_write);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::FileIo);
    }
    EXPECT_EQ(read_all(p), (Bytes{1, 2, 3}));
}

TEST(FileStoreTest, MissingImageIsAFileError) {
    ops::FileStore store("/nonexistent/unit.dct", photon());
    try {
        store.read_window();
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::FileIo);
    }
}

TEST(RestoreServerTest, FieldFailureImageIsRepairedWithParticleCliBytes) {
    TempDir dir;
    const auto path = dir.path() / "unit.dct";
    fs::copy_file(fs::path(PHOTON_DCT_TEST_DATA) / "field-failure-photon-0.6.3.dct", path);
    const Bytes original = read_all(path);

    ops::RestoreServerRequest req;
    req.key_path = fs::path(PHOTON_DCT_TEST_DATA) / "private-cloud-server.pub.pem";
    req.host = {"cloud.example.com", "--host"};
    req.port = ops::UserValue{"5683", "--port"};
    ops::FileStore store(path, photon());
    ops::Target target(store);
    const auto r = ops::restore_server(target, req);
    EXPECT_TRUE(r.write.verified);
    EXPECT_EQ(r.slot, dct::Slot::Tcp);

    const Bytes after = read_all(path);
    for (std::size_t i = 0; i < after.size(); ++i)
        if (i < 2082 || i >= 2082 + 512) ASSERT_EQ(after[i], original[i]) << "byte " << i << " changed";
    // particle-cli's block (docs/dct-format.md 9.1): key DER, FF, 01 11 "cloud.example.com", FF, 16 33, FF.
    const auto key = keys::load_key_file(req.key_path);
    const Bytes der = key.spki_der();
    ASSERT_EQ(der.size(), 294u);
    EXPECT_TRUE(std::equal(der.begin(), der.end(), after.begin() + 2082));
    for (std::size_t i = 2082 + 294; i < 2466; ++i) EXPECT_EQ(after[i], 0xFF);
    const std::string host = "cloud.example.com";
    EXPECT_EQ(after[2466], 0x01);
    EXPECT_EQ(after[2467], host.size());
    EXPECT_TRUE(std::equal(host.begin(), host.end(), after.begin() + 2468));
    for (std::size_t i = 2468 + host.size(); i < 2532; ++i) EXPECT_EQ(after[i], 0xFF);
    EXPECT_EQ(after[2532], 0x16);
    EXPECT_EQ(after[2533], 0x33);
    for (std::size_t i = 2534; i < 2594; ++i) EXPECT_EQ(after[i], 0xFF);
    ASSERT_TRUE(r.write.backup);
    EXPECT_EQ(read_all(*r.write.backup), original);
}

TEST(RestoreServerTest, UdpIsRefusedOnAPhoton) {
    TempDir dir;
    const auto path = dir.path() / "unit.dct";
    fs::copy_file(fs::path(PHOTON_DCT_TEST_DATA) / "field-failure-photon-0.6.3.dct", path);
    const Bytes original = read_all(path);
    ops::RestoreServerRequest req;
    req.key_path = fs::path(PHOTON_DCT_TEST_DATA) / "private-cloud-server.pub.pem";
    req.host = {"cloud.example.com", "--host"};
    req.slot = dct::Slot::Udp;
    ops::FileStore store(path, photon());
    try {
        ops::Target target(store);
        ops::restore_server(target, req);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Refused);
    }
    EXPECT_EQ(read_all(path), original);
    EXPECT_EQ(dir.count(), 1u);
}
