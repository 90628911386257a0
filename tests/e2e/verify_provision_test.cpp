// verify and provision on an emulated unit: exit statuses (photon-dct(1): verify 0/11, provision
// 0/15), the unit's DCT afterwards, and the transcript: verify never downloads, provision of a unit
// that differs downloads exactly once, and a unit that already conforms or fails is never written.
#include <gtest/gtest.h>

#include "e2e_support.hpp"

namespace {

using namespace e2e;

class VerifyProvisionE2e : public ::testing::Test {
protected:
    void SetUp() override { write_profile(dir_, "p.toml", "fail"); }
    // `command` (verify or provision) --json on one emulated Photon holding `image`.
    EmuRun on_unit(const std::string& command, const fs::path& image) {
        EmuOptions o;
        o.dct = image;
        return emu_run(o, {kPhotonDct, "--json", command, "--profile", (dir_ / "p.toml").string()}, dir_.path());
    }
    TempDir dir_{"verify-provision-e2e"};
};

TEST_F(VerifyProvisionE2e, VerifyConformingExits0AndDifferingExits11WithoutADownload) {
    const auto ok = on_unit("verify", kData / "photon-provisioned-backup.dct");
    EXPECT_EQ(ok.r.exit_code, 0) << ok.r.describe();
    EXPECT_EQ(parse_one_json(ok.r.out)["result"]["result"], "conforms");
    EXPECT_EQ(data_downloads(ok.transcript), 0u);

    const auto differs = on_unit("verify", kData / "field-failure-photon-0.6.3.dct");
    EXPECT_EQ(differs.r.exit_code, 11) << differs.r.describe();
    const auto doc = parse_one_json(differs.r.out);
    EXPECT_EQ(doc["exit_code"], 11);
    EXPECT_EQ(doc["result"]["result"], "differs");
    EXPECT_FALSE(doc["result"]["findings"].empty());
    EXPECT_EQ(data_downloads(differs.transcript), 0u);
    EXPECT_TRUE(same_image(differs.dump(), window(read_file(kData / "field-failure-photon-0.6.3.dct"))));
}

TEST_F(VerifyProvisionE2e, ProvisionWritesOnceThenAlreadyConformsIsNotWritten) {
    const auto e = on_unit("provision", kData / "field-failure-photon-0.6.3.dct");
    ASSERT_EQ(e.r.exit_code, 0) << e.r.describe();
    EXPECT_EQ(parse_one_json(e.r.out)["result"]["result"], "written");
    EXPECT_EQ(data_downloads(e.transcript), 1u);
    EXPECT_EQ(erases(e.transcript), 0u);
    write_file(dir_ / "written.dct", e.dump());

    const auto again = on_unit("provision", dir_ / "written.dct");
    ASSERT_EQ(again.r.exit_code, 0) << again.r.describe();
    EXPECT_EQ(parse_one_json(again.r.out)["result"]["result"], "already-conforms");
    EXPECT_EQ(data_downloads(again.transcript), 0u) << transcript_text(again.transcript);
    EXPECT_TRUE(same_image(again.dump(), e.dump()));
}

TEST_F(VerifyProvisionE2e, AUnitThatCannotBeBroughtToTheProfileExits15Unwritten) {
    const auto e = on_unit("provision", kData / "erased-device-key-photon.dct"); // missing = "fail"
    EXPECT_EQ(e.r.exit_code, 15) << e.r.describe();
    const auto doc = parse_one_json(e.r.out);
    EXPECT_EQ(doc["exit_code"], 15);
    EXPECT_EQ(doc["result"]["result"], "failed");
    EXPECT_EQ(data_downloads(e.transcript), 0u);
    EXPECT_TRUE(same_image(e.dump(), window(read_file(kData / "erased-device-key-photon.dct"))));
}

} // namespace
