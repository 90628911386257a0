// protocol [tcp|udp] on image files: the one cloud_transport byte at 2977 (docs/dct-format.md 2, 6.3).
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

#include "photon_dct/error.hpp"
#include "photon_dct/keys/key.hpp"
#include "photon_dct/ops/protocol.hpp"
#include "photon_dct/ops/store.hpp"

namespace fs = std::filesystem;
using namespace photon_dct;

#include "ops_test_support.hpp"

namespace {

using namespace ops_test;

class Protocol : public ::testing::Test {
protected:
    void SetUp() override {
        original = read_all(kPhotonImage);
        ASSERT_EQ(original[2977], 0xFF);
        image = dir.path() / "electron.dct";
        write_all(image, original);
    }
    TempDir dir;
    fs::path image;
    Bytes original;
};

ops::ProtocolResult show(CountingStore& store) {
    ops::Target target(store);
    return ops::protocol(target, {});
}

ops::ProtocolResult set(CountingStore& store, dct::Slot slot, ops::WriteOptions write = {}) {
    ops::Target target(store);
    return ops::protocol(target, {slot, std::move(write)});
}

TEST_F(Protocol, ShowReadsCloudTransport) {
    CountingStore store(image, electron());
    auto r = show(store);
    EXPECT_EQ(r.byte_before, 0xFF);
    EXPECT_EQ(r.before, dct::Slot::Udp);
    EXPECT_FALSE(r.write.has_value());
    Bytes tcp = original;
    tcp[2977] = 0x01; // anything but 0xFF is TCP
    write_all(image, tcp);
    r = show(store);
    EXPECT_EQ(r.before, dct::Slot::Tcp);
    EXPECT_EQ(store.writes, 0);
}

TEST_F(Protocol, SetTcpThenUdpChangesOnlyByte2977) {
    CountingStore store(image, electron());
    const auto r1 = set(store, dct::Slot::Tcp);
    EXPECT_EQ(store.writes, 1);
    ASSERT_TRUE(r1.write.has_value());
    EXPECT_TRUE(r1.write->verified);
    EXPECT_EQ(r1.write->write_offset, 2977u);
    EXPECT_EQ(r1.write->write_length, 1u);
    Bytes after = read_all(image);
    ASSERT_EQ(after.size(), original.size());
    for (std::size_t i = 0; i < after.size(); ++i) ASSERT_EQ(after[i], i == 2977 ? 0x00 : original[i]) << "byte " << i;
    ASSERT_TRUE(r1.write->backup.has_value());
    EXPECT_EQ(read_all(*r1.write->backup), original);
    EXPECT_EQ(show(store).before, dct::Slot::Tcp);

    const auto r2 = set(store, dct::Slot::Udp);
    EXPECT_EQ(store.writes, 2);
    EXPECT_EQ(r2.before, dct::Slot::Tcp);
    EXPECT_EQ(r2.after, dct::Slot::Udp);
    EXPECT_EQ(read_all(image), original);
}

TEST_F(Protocol, SettingTheCurrentProtocolWritesNothing) {
    CountingStore store(image, electron());
    const auto r = set(store, dct::Slot::Udp);
    ASSERT_TRUE(r.write.has_value());
    EXPECT_TRUE(r.write->already_current);
    EXPECT_EQ(store.writes, 0);
    EXPECT_EQ(dir.count(), 1u);
}

TEST_F(Protocol, DryRunWritesNothing) {
    CountingStore store(image, electron());
    ops::WriteOptions o;
    o.dry_run = true;
    const auto r = set(store, dct::Slot::Tcp, o);
    ASSERT_TRUE(r.write.has_value());
    EXPECT_TRUE(r.write->dry_run);
    ASSERT_EQ(r.write->changed.size(), 1u);
    EXPECT_EQ(r.write->changed[0].offset, 2977u);
    EXPECT_EQ(store.writes, 0);
    EXPECT_EQ(read_all(image), original);
    EXPECT_EQ(dir.count(), 1u);
}

TEST_F(Protocol, RefusedOnPhotonAndP1) {
    const std::string before = keys::sha256_hex(original);
    for (auto id : {dct::PlatformId::Photon, dct::PlatformId::P1}) {
        CountingStore store(image, dct::platform(id));
        for (auto t : {dct::Slot::Tcp, dct::Slot::Udp}) {
            try {
                set(store, t);
                ADD_FAILURE() << "expected Refused";
            } catch (const Error& e) {
                EXPECT_EQ(e.kind(), ErrorKind::Refused);
                EXPECT_NE(std::string(e.what()).find("TCP only"), std::string::npos) << e.what();
            }
        }
        EXPECT_THROW(show(store), Error);
        EXPECT_THROW(ops::check_protocol_platform(dct::platform(id)), Error);
        EXPECT_EQ(store.writes, 0);
    }
    EXPECT_NO_THROW(ops::check_protocol_platform(electron()));
    EXPECT_EQ(keys::sha256_hex(read_all(image)), before);
    EXPECT_EQ(dir.count(), 1u);
}

} // namespace
