// restore-server --particle-cloud on image files: Particle's key for the slot and the address block
// the firmware restores by itself, byte for byte (golden bytes typed from docs/dct-format.md 4.3 and
// 9.3), on a Photon (TCP slot) and an Electron (UDP slot, chosen by its blank cloud_transport);
// the options it excludes are usage errors (exit 2) that touch nothing.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_test_support.hpp"

namespace {

using namespace cli_test;
using photon_dct::Bytes;

Bytes hex(std::string_view text) {
    Bytes out;
    for (std::size_t i = 0; i + 1 < text.size(); i += 3)
        out.push_back(static_cast<std::uint8_t>(std::stoul(std::string(text.substr(i, 2)), nullptr, 16)));
    return out;
}

// key DER, 0xFF up to the address block, the address TLV + NUL, 0xFF to the end of the block.
Bytes golden_block(std::string_view pem, std::size_t address_offset, std::string_view address, std::size_t block_size) {
    Bytes block = test_support::pem_to_der(pem);
    block.resize(address_offset, 0xFF);
    const Bytes tlv = hex(address);
    block.insert(block.end(), tlv.begin(), tlv.end());
    block.resize(block_size, 0xFF);
    return block;
}

Bytes slice(const Bytes& image, std::size_t offset, std::size_t size) {
    return {image.begin() + static_cast<std::ptrdiff_t>(offset),
            image.begin() + static_cast<std::ptrdiff_t>(offset + size)};
}

class ParticleCloud : public ::testing::Test {
protected:
    void SetUp() override {
        image_ = dir_ / "unit.dct";
        fs::copy_file(kFieldFailure, image_);
        original_ = read_bytes(image_);
    }
    // Every byte outside [offset, offset + size) is as it was.
    void expect_only_changed(std::size_t offset, std::size_t size) {
        const Bytes after = read_bytes(image_);
        ASSERT_EQ(after.size(), original_.size());
        for (std::size_t i = 0; i < after.size(); ++i)
            if (i < offset || i >= offset + size) {
                ASSERT_EQ(after[i], original_[i]) << "byte " << i;
            }
    }
    TempDir dir_;
    fs::path image_;
    Bytes original_;
};

TEST_F(ParticleCloud, PhotonGetsParticlesTcpKeyAndDeviceSparkIo) {
    const auto r = run({"--json", "restore-server", "--file", image_.string(), "--particle-cloud"}, dir_.path());
    ASSERT_EQ(r.status, 0) << r.err;
    // docs/dct-format.md 9.3: 01 0f "device.spark.io" 00; the port stays 0xFFFF (the default).
    const Bytes expected =
        golden_block(test_support::kParticleTcpPem, 384, "01 0f 64 65 76 69 63 65 2e 73 70 61 72 6b 2e 69 6f 00", 512);
    EXPECT_EQ(slice(read_bytes(image_), 2082, 512), expected);
    expect_only_changed(2082, 512);

    const auto doc = nlohmann::json::parse(r.out);
    const auto& result = doc["result"];
    EXPECT_EQ(result["slot"], "tcp");
    EXPECT_EQ(result["particle_cloud"], true);
    EXPECT_EQ(result["host"], "device.spark.io");
    EXPECT_TRUE(result["port"].is_null());
    EXPECT_EQ(result["key_sha256"], test_support::kParticleTcpSha256);
    EXPECT_FALSE(result["write"]["backup"].is_null()) << result.dump(); // backup first, as for --pem
}

TEST_F(ParticleCloud, ElectronWithBlankTransportGetsParticlesUdpKeyAndIdAddress) {
    const auto r =
        run({"--json", "restore-server", "--file", image_.string(), "--platform", "electron", "--particle-cloud"},
            dir_.path());
    ASSERT_EQ(r.status, 0) << r.err;
    // docs/dct-format.md 9.3: 01 13 "$id.udp.particle.io" 00 at 192 of the 320-byte block at 3298.
    const Bytes expected = golden_block(test_support::kParticleUdpPem, 192,
                                        "01 13 24 69 64 2e 75 64 70 2e 70 61 72 74 69 63 6c 65 2e 69 6f 00", 320);
    EXPECT_EQ(slice(read_bytes(image_), 3298, 320), expected);
    expect_only_changed(3298, 320);
    const auto result = nlohmann::json::parse(r.out)["result"];
    EXPECT_EQ(result["slot"], "udp");
    EXPECT_EQ(result["host"], "$id.udp.particle.io");
    EXPECT_EQ(result["key_sha256"], test_support::kParticleUdpSha256);
}

TEST_F(ParticleCloud, ASecondRunWritesNothing) {
    ASSERT_EQ(run({"restore-server", "--file", image_.string(), "--particle-cloud"}, dir_.path()).status, 0);
    const auto entries_after_first = entries(dir_.path());
    const auto r = run({"restore-server", "--file", image_.string(), "--particle-cloud"}, dir_.path());
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(contains(r.out, "already holds")) << r.out;
    EXPECT_EQ(entries(dir_.path()), entries_after_first); // no second backup
}

TEST_F(ParticleCloud, ExcludedOptionsAreUsageErrorsThatTouchNothing) {
    const std::vector<std::vector<std::string>> extra{
        {"--pem", kServerPub.string()}, {"--host", "cloud.example.com"}, {"--port", "5683"}};
    for (const auto& e : extra) {
        std::vector<std::string> args{"--json", "restore-server", "--file", image_.string(), "--particle-cloud"};
        args.insert(args.end(), e.begin(), e.end());
        const auto r = run(args, dir_.path());
        SCOPED_TRACE(e.front());
        EXPECT_EQ(r.status, 2) << r.out << r.err;
        EXPECT_TRUE(contains(r.out, "excludes")) << r.out;
        EXPECT_EQ(nlohmann::json::parse(r.out)["ok"], false);
        EXPECT_EQ(read_bytes(image_), original_);
        EXPECT_EQ(entries(dir_.path()), std::set<std::string>{"unit.dct"});
    }
}

TEST_F(ParticleCloud, NeitherAKeyNorParticleCloudIsAUsageError) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"restore-server", "--file", image_.string()},
             {"restore-server", "--file", image_.string(), "--pem", kServerPub.string()}}) {
        const auto r = run(args, dir_.path());
        EXPECT_EQ(r.status, 2) << r.err;
        EXPECT_TRUE(contains(r.err, "--particle-cloud")) << r.err;
        EXPECT_EQ(read_bytes(image_), original_);
    }
}

} // namespace
