// verify and provision against a profile, on image files: findings per difference, one write
// covering every change, the device-key rules (restore from the unit's own backup, new, fail,
// never overwrite a key that conflicts with its registered public key).
#include <gtest/gtest.h>

#include <sys/stat.h>

#include "ops_test_support.hpp"
#include "photon_dct/dct/decode.hpp"
#include "photon_dct/dct/server_block.hpp"
#include "photon_dct/keys/key.hpp"
#include "photon_dct/ops/provision.hpp"

namespace {

using namespace ops_test;
namespace ops = photon_dct::ops;
namespace dct = photon_dct::dct;
namespace keys = photon_dct::keys;
namespace profile = photon_dct::profile;

const fs::path kData = PHOTON_DCT_TEST_DATA;
// All three images are of unit 3a0036000247363333343435 on cloud.example.com:5683 with the
// private-cloud-server key: complete, with a blank server address, and with a blank device key.
const fs::path kProvisioned = kData / "photon-provisioned-backup.dct";
const fs::path kBlankAddress = kData / "field-failure-photon-0.6.3.dct";
const fs::path kBlankKey = kData / "erased-device-key-photon.dct";
const std::string kId = "3a0036000247363333343435";

// The use-cases on a store the test owns (a station's Target over an open store).
ops::ProfileCheck verify(ops::DctStore& store, const profile::Profile& p) {
    ops::Target target(store);
    return ops::verify(target, p);
}
ops::ProvisionResult provision(ops::DctStore& store, const profile::Profile& p, const ops::ProvisionOptions& o) {
    ops::Target target(store);
    return ops::provision(target, p, o);
}

std::vector<std::string> codes(const ops::ProfileCheck& c) {
    std::vector<std::string> out;
    for (const auto& f : c.findings) out.push_back(f.code);
    return out;
}

class ProvisionTest : public ::testing::Test {
protected:
    void SetUp() override {
        p_.path = dir_ / "bench.toml";
        p_.name = "test";
        p_.server.key = keys::load_key_file(kData / "private-cloud-server.pub.pem");
        p_.server.host = dct::parse_host("cloud.example.com", "--host");
        p_.server.port = 5683;
        p_.missing_key = profile::MissingKeyAction::Restore;
        p_.public_keys = dir_.dir("device-keys");
        p_.backups = dir_.dir("backups");
        p_.audit = dir_ / "audit.jsonl";
    }

    // A copy of `image` as the unit under test; each in its own file, since a FileStore keeps its
    // image locked (flock) for as long as it lives.
    CountingStore unit(const fs::path& image, const dct::Platform& platform = photon()) {
        unit_path_ = dir_ / ("unit-" + std::to_string(++units_) + ".dct");
        write_all(unit_path_, read_all(image));
        return CountingStore(unit_path_, platform);
    }

    // The image of the unit made last.
    Bytes unit_bytes() const { return read_all(unit_path_); }

    TempDir dir_{"provision-test"};
    fs::path unit_path_;
    int units_ = 0;
    profile::Profile p_;
};

TEST_F(ProvisionTest, VerifyOfAConformingUnitHasNoFindingsAndWritesNothing) {
    auto store = unit(kProvisioned);
    const auto check = verify(store, p_);
    EXPECT_TRUE(check.conforms()) << check.findings.front().message;
    EXPECT_EQ(check.unit.device_id, kId);
    EXPECT_EQ(check.dct_sha256, keys::sha256_hex(read_all(kProvisioned)));
    EXPECT_EQ(store.writes, 0);
}

TEST_F(ProvisionTest, VerifyReportsOneFindingPerDifference) {
    auto store = unit(kBlankAddress);
    p_.missing_key = profile::MissingKeyAction::Fail;
    EXPECT_EQ(codes(verify(store, p_)), std::vector<std::string>{"server-address"});
    p_.server.port = 6000;
    auto other = unit(kProvisioned);
    EXPECT_EQ(codes(verify(other, p_)), std::vector<std::string>{"server-port"});
    auto blank_key = unit(kBlankKey);
    const auto check = verify(blank_key, p_);
    EXPECT_EQ(codes(check), (std::vector<std::string>{"server-port", "device-key-unusable"}));
    EXPECT_TRUE(check.findings.back().blocking); // missing = "fail"
    EXPECT_EQ(check.findings.back().field, "device_private_key");
    EXPECT_EQ(store.writes + other.writes + blank_key.writes, 0);
}

TEST_F(ProvisionTest, ProvisionRestoresTheAddressInOneVerifiedWriteAndExportsThePublicKey) {
    auto store = unit(kBlankAddress);
    const auto r = provision(store, p_, {});
    ASSERT_EQ(r.outcome, ops::ProvisionOutcome::Written) << r.failure;
    EXPECT_EQ(store.writes, 1);
    EXPECT_EQ(r.actions, (std::vector<std::string>{"server address restored", "device key kept"}));
    EXPECT_EQ(r.changed_fields, std::vector<std::string>{"server_address"});
    ASSERT_TRUE(r.write && r.write->backup);
    EXPECT_EQ(r.write->backup->parent_path(), p_.backups);
    EXPECT_EQ(read_all(*r.write->backup), read_all(kBlankAddress));
    EXPECT_EQ(r.dct_sha256_after, keys::sha256_hex(unit_bytes()));
    // The unit now holds exactly what the complete image holds where the firmware reads.
    EXPECT_TRUE(verify(store, p_).conforms());
    ASSERT_EQ(r.public_key_path, p_.public_keys / (kId + ".pub.pem"));
    EXPECT_TRUE(
        keys::load_key_file(*r.public_key_path).same_public_key(keys::load_key_file(kData / "photon-device-key.pem")));
}

TEST_F(ProvisionTest, AConformingUnitIsNotWrittenAgain) {
    auto store = unit(kBlankAddress);
    ASSERT_EQ(provision(store, p_, {}).outcome, ops::ProvisionOutcome::Written);
    const Bytes after_first = unit_bytes();
    const auto again = provision(store, p_, {true, {}});
    EXPECT_EQ(again.outcome, ops::ProvisionOutcome::AlreadyConforms);
    EXPECT_EQ(again.actions, std::vector<std::string>{"already conforms"});
    EXPECT_EQ(store.writes, 1);
    EXPECT_EQ(store.leaves, 1); // --leave also for a unit that conforms
    EXPECT_TRUE(again.left);
    EXPECT_EQ(unit_bytes(), after_first);
}

TEST_F(ProvisionTest, MissingKeyRestoreTakesTheUnitsOwnBackup) {
    write_all(p_.backups / "photon-old.dct", read_all(kProvisioned));
    Bytes other_unit = read_all(kProvisioned);
    fill(other_unit, dct::platform(dct::PlatformId::Photon).field("device_id").offset, 1, 0x11);
    write_all(p_.backups / "other-unit.dct", other_unit); // another unit's backup is never used
    auto store = unit(kBlankKey);
    const auto r = provision(store, p_, {});
    ASSERT_EQ(r.outcome, ops::ProvisionOutcome::Written) << r.failure;
    EXPECT_EQ(r.key_backup, p_.backups / "photon-old.dct");
    EXPECT_EQ(store.writes, 1);
    // The image lost only its private key; the public key field is written too, unchanged.
    EXPECT_EQ(r.changed_fields, std::vector<std::string>{"device_private_key"});
    EXPECT_EQ(unit_bytes(), read_all(kProvisioned)); // device key slots back as they were
}

TEST_F(ProvisionTest, MissingKeyRestoreWithoutABackupFailsAndWritesNothing) {
    auto store = unit(kBlankKey);
    const auto r = provision(store, p_, {true, {}});
    EXPECT_EQ(r.outcome, ops::ProvisionOutcome::Failed);
    EXPECT_NE(r.failure.find("no backup of " + kId), std::string::npos) << r.failure;
    EXPECT_EQ(store.writes, 0);
    EXPECT_EQ(store.leaves, 0); // a failed unit stays in DFU mode
    EXPECT_EQ(unit_bytes(), read_all(kBlankKey));
}

TEST_F(ProvisionTest, MissingKeyNewSavesTheKeyFilesBeforeTheWrite) {
    p_.missing_key = profile::MissingKeyAction::New;
    auto store = unit(kBlankKey);
    const auto r = provision(store, p_, {});
    ASSERT_EQ(r.outcome, ops::ProvisionOutcome::Written) << r.failure;
    ASSERT_EQ(r.private_key_path, p_.public_keys / (kId + ".pem"));
    struct stat st {};
    ASSERT_EQ(::stat(r.private_key_path->c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    const auto saved = keys::load_key_file(*r.private_key_path);
    dct::DeviceKeyInfo info;
    const auto in_dct = dct::stored_device_private_key(photon().tcp, unit_bytes(), info);
    ASSERT_TRUE(in_dct.has_value());
    EXPECT_TRUE(in_dct->same_public_key(saved));
    EXPECT_TRUE(keys::load_key_file(*r.public_key_path).same_public_key(saved));
    EXPECT_TRUE(verify(store, p_).conforms());
}

TEST_F(ProvisionTest, MissingKeyNewIsRefusedWhenAPublicKeyIsRegistered) {
    p_.missing_key = profile::MissingKeyAction::New;
    test_support::write_text(p_.public_keys / (kId + ".pub.pem"), keys::generate_rsa(1024).public_pem());
    auto store = unit(kBlankKey);
    const auto r = provision(store, p_, {});
    EXPECT_EQ(r.outcome, ops::ProvisionOutcome::Failed);
    EXPECT_NE(r.failure.find("would not match"), std::string::npos) << r.failure;
    EXPECT_EQ(store.writes, 0);
}

TEST_F(ProvisionTest, AKeyConflictingWithItsRegisteredPublicKeyIsNeverOverwritten) {
    test_support::write_text(p_.public_keys / (kId + ".pub.pem"), keys::generate_rsa(1024).public_pem());
    auto store = unit(kBlankAddress); // the address alone would be fixable
    const auto r = provision(store, p_, {});
    EXPECT_EQ(r.outcome, ops::ProvisionOutcome::Failed);
    EXPECT_EQ(codes(r.before), (std::vector<std::string>{"server-address", "device-key-conflict"}));
    EXPECT_NE(r.failure.find("never overwrites"), std::string::npos) << r.failure;
    EXPECT_EQ(store.writes, 0);
    EXPECT_EQ(unit_bytes(), read_all(kBlankAddress));
}

TEST_F(ProvisionTest, EveryChangeGoesOutInOneWrite) {
    Bytes both = read_all(kBlankKey);
    fill(both, 2466, 128, 0xFF); // and a blank address
    write_all(p_.backups / "photon-old.dct", read_all(kProvisioned));
    write_all(dir_ / "both.dct", both);
    auto store = unit(dir_ / "both.dct");
    const auto r = provision(store, p_, {});
    ASSERT_EQ(r.outcome, ops::ProvisionOutcome::Written) << r.failure;
    EXPECT_EQ(store.writes, 1);
    EXPECT_EQ(r.write->write_offset, 34u);                                  // from the device key ...
    EXPECT_EQ(r.write->write_offset + r.write->write_length, 2082u + 512u); // ... to the end of the server block
    EXPECT_EQ(unit_bytes(), read_all(kProvisioned));
}

TEST_F(ProvisionTest, ParticleCloudWritesParticlesBlock) {
    p_.server = {};
    p_.server.particle_cloud = true;
    auto store = unit(kProvisioned);
    EXPECT_EQ(codes(verify(store, p_)), (std::vector<std::string>{"server-key", "server-address"}));
    const auto r = provision(store, p_, {});
    ASSERT_EQ(r.outcome, ops::ProvisionOutcome::Written) << r.failure;
    const Bytes after = unit_bytes();
    EXPECT_EQ(Bytes(after.begin() + 2082, after.begin() + 2082 + 512), dct::particle_cloud_server_block(photon().tcp));
    EXPECT_TRUE(verify(store, p_).conforms());
}

TEST_F(ProvisionTest, ElectronProtocolIsPartOfTheProfile) {
    Bytes image = read_all(kProvisioned);
    image[2977] = dct::kCloudTransportUdp;
    write_all(dir_ / "electron.dct", image);
    p_.server.protocol = dct::Slot::Tcp;
    auto store = unit(dir_ / "electron.dct", electron());
    EXPECT_EQ(codes(verify(store, p_)), std::vector<std::string>{"protocol"});
    const auto r = provision(store, p_, {});
    ASSERT_EQ(r.outcome, ops::ProvisionOutcome::Written) << r.failure;
    EXPECT_EQ(unit_bytes()[2977], dct::kCloudTransportTcp);
    EXPECT_EQ(r.actions.front(), "protocol set to tcp");
    // The profile's RSA key does not fit the UDP slot an Electron would otherwise keep.
    p_.server.protocol = dct::Slot::Udp;
    const auto refused = provision(store, p_, {});
    EXPECT_EQ(refused.outcome, ops::ProvisionOutcome::Failed);
    EXPECT_EQ(codes(refused.before).front(), "protocol");
    EXPECT_EQ(store.writes, 1);
}

TEST_F(ProvisionTest, ADctOfAnotherUnitIsRefused) {
    auto store = unit(kBlankAddress);
    store.usb_id = "3a0036000247363333340000";
    const auto r = provision(store, p_, {});
    EXPECT_EQ(r.outcome, ops::ProvisionOutcome::Failed);
    EXPECT_EQ(codes(r.before).front(), "device-id-mismatch");
    EXPECT_EQ(store.writes, 0);
    store.usb_id = kId;
    EXPECT_EQ(provision(store, p_, {}).outcome, ops::ProvisionOutcome::Written);
}

TEST_F(ProvisionTest, AUnitWithoutADeviceIdFails) {
    Bytes image = read_all(kBlankAddress);
    fill(image, 3618, 12, 0xFF);
    write_all(dir_ / "noid.dct", image);
    auto store = unit(dir_ / "noid.dct");
    const auto r = provision(store, p_, {});
    EXPECT_EQ(r.outcome, ops::ProvisionOutcome::Failed);
    EXPECT_EQ(codes(r.before).front(), "device-id-missing");
    EXPECT_EQ(store.writes, 0);
}

} // namespace
