// restore --from BACKUP on image files: simulated corruption, chosen regions only, foreign and
// empty backups refused, one write, never past 8391.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "photon_dct/dct/decode.hpp"
#include "photon_dct/error.hpp"
#include "photon_dct/keys/key.hpp"
#include "photon_dct/ops/restore.hpp"
#include "photon_dct/ops/store.hpp"

namespace fs = std::filesystem;
using namespace photon_dct;

#include "ops_test_support.hpp"

namespace {

using namespace ops_test;

bool inside(std::size_t i, std::initializer_list<std::pair<std::size_t, std::size_t>> ranges) {
    for (const auto& [off, size] : ranges)
        if (i >= off && i < off + size) return true;
    return false;
}

class Restore : public ::testing::Test {
protected:
    void SetUp() override {
        good = read_all(kPhotonImage);
        backup_path = backups.path() / "good.dct";
        unit_path = unitdir.path() / "unit.dct";
        // A byte past the application DCT (Wi-Fi data on a Photon) that differs between the two:
        // restore must never copy it.
        Bytes backup = good;
        backup[9000] = 0x5A;
        write_all(backup_path, backup);
    }
    void corrupt(const std::function<void(Bytes&)>& f) {
        corrupted = good;
        f(corrupted);
        write_all(unit_path, corrupted);
    }
    ops::RestoreResult run(CountingStore& store, ops::RestoreScope scope, bool force = false, bool dry_run = false,
                           std::optional<fs::path> from = std::nullopt) {
        ops::RestoreRequest req;
        req.from = from.value_or(backup_path);
        req.scope = scope;
        req.force = force;
        req.write.dry_run = dry_run;
        ops::Target target(store);
        return ops::restore(target, req);
    }
    std::size_t unit_backups() const { return unitdir.count() - 1; }

    TempDir backups;
    TempDir unitdir;
    fs::path backup_path;
    fs::path unit_path;
    Bytes good;
    Bytes corrupted;
};

// Key erased and address garbled, as a field failure leaves them.
void key_and_address_corruption(Bytes& b) {
    fill(b, 34, 612, 0xFF);   // device private key erased
    fill(b, 1250, 384, 0x00); // public key zeroed
    fill(b, 2466, 128, 0xFF); // server address erased
    b[2100] ^= 0x55;          // server key damaged
}

TEST_F(Restore, DeviceKeyRestoresExactlyTheKeyFields) {
    corrupt(key_and_address_corruption);
    CountingStore store(unit_path, photon());
    const auto r = run(store, ops::RestoreScope::DeviceKey);
    EXPECT_EQ(store.writes, 1);
    EXPECT_TRUE(r.write.verified);
    const Bytes after = read_all(unit_path);
    for (std::size_t i = 0; i < after.size(); ++i) {
        if (inside(i, {{34, 612}, {1250, 384}}))
            ASSERT_EQ(after[i], good[i]) << "byte " << i << " not restored";
        else
            ASSERT_EQ(after[i], corrupted[i]) << "byte " << i << " outside the device key fields changed";
    }
    ASSERT_TRUE(r.write.backup.has_value());
    EXPECT_EQ(read_all(*r.write.backup), corrupted);
    // Changes are named from the platform table.
    ASSERT_FALSE(r.changes.empty());
    for (const auto& c : r.changes)
        EXPECT_TRUE(c.field == "device_private_key" || c.field == "device_public_key") << c.field;
    EXPECT_EQ(r.backup_device_id, r.unit.device_id);
    EXPECT_FALSE(r.forced);
    EXPECT_EQ(dct::decode_dct(photon(), after).tcp.device_key.state, dct::KeyState::Valid);
}

TEST_F(Restore, ServerRestoresOnlyTheTcpServerBlockOnPhoton) {
    // The sample is a field failure (address erased); its backup holds a working address.
    const std::string tlv = std::string("\x01\x11") + "cloud.example.com";
    std::copy(tlv.begin(), tlv.end(), good.begin() + 2466);
    good[2466 + 66] = 0x16; // port 5683, big-endian
    good[2466 + 67] = 0x33;
    write_all(backup_path, good);
    corrupt(key_and_address_corruption);
    CountingStore store(unit_path, photon());
    const auto r = run(store, ops::RestoreScope::Server);
    EXPECT_EQ(store.writes, 1);
    ASSERT_EQ(r.regions.size(), 1u);
    EXPECT_EQ(r.regions[0].offset, 2082u);
    EXPECT_EQ(r.regions[0].length, 512u);
    const Bytes after = read_all(unit_path);
    for (std::size_t i = 0; i < after.size(); ++i) {
        if (inside(i, {{2082, 512}}))
            ASSERT_EQ(after[i], good[i]) << "byte " << i;
        else
            ASSERT_EQ(after[i], corrupted[i]) << "byte " << i;
    }
    bool saw_address = false, saw_key = false;
    for (const auto& c : r.changes) {
        saw_address = saw_address || c.field == "server_address";
        saw_key = saw_key || c.field == "server_public_key";
    }
    EXPECT_TRUE(saw_address);
    EXPECT_TRUE(saw_key);
}

TEST_F(Restore, ServerOnElectronCoversBothSlotsServerBlocks) {
    Bytes backup = good;
    backup[3300] = 0x42; // something in the UDP server block
    write_all(backup_path, backup);
    corrupt([](Bytes& b) {
        fill(b, 2466, 128, 0xFF);
        fill(b, 3298, 320, 0xFF);
    });
    CountingStore store(unit_path, electron());
    const auto r = run(store, ops::RestoreScope::Server);
    ASSERT_EQ(r.regions.size(), 2u);
    EXPECT_EQ(r.regions[0].offset, 2082u);
    EXPECT_EQ(r.regions[1].offset, 3298u);
    EXPECT_EQ(r.regions[1].length, 320u);
    EXPECT_EQ(store.writes, 1);
    const Bytes after = read_all(unit_path);
    for (std::size_t i = 0; i < after.size(); ++i) {
        if (inside(i, {{2082, 512}, {3298, 320}}))
            ASSERT_EQ(after[i], backup[i]) << "byte " << i;
        else
            ASSERT_EQ(after[i], corrupted[i]) << "byte " << i;
    }
}

TEST_F(Restore, DeviceKeyOnElectronCoversBothSlots) {
    const auto regions = ops::restore_regions(electron(), ops::RestoreScope::DeviceKey, 16384);
    ASSERT_EQ(regions.size(), 4u);
    EXPECT_EQ(regions[0].offset, 34u);
    EXPECT_EQ(regions[0].length, 612u);
    EXPECT_EQ(regions[1].offset, 1250u);
    EXPECT_EQ(regions[1].length, 384u);
    EXPECT_EQ(regions[2].offset, 2978u);
    EXPECT_EQ(regions[2].length, 128u);
    EXPECT_EQ(regions[3].offset, 3106u);
    EXPECT_EQ(regions[3].length, 192u);
    EXPECT_EQ(ops::restore_regions(photon(), ops::RestoreScope::DeviceKey, 16384).size(), 2u);
}

TEST_F(Restore, AllRestoresTheApplicationDctAndNothingPast8391) {
    corrupt([](Bytes& b) {
        key_and_address_corruption(b);
        fill(b, 3618, 12, 0xFF); // even the device ID: the USB serial identifies the unit
        b[8390] ^= 0x01;
        b[8391] = 0x77; // past the application DCT: must stay
    });
    CountingStore store(unit_path, photon());
    store.usb_id = "3a0036000247363333343435";
    const auto r = run(store, ops::RestoreScope::All);
    EXPECT_EQ(store.writes, 1);
    EXPECT_EQ(r.write.write_offset, 0u);
    EXPECT_EQ(r.write.write_length, 8391u);
    const Bytes after = read_all(unit_path);
    for (std::size_t i = 0; i < after.size(); ++i) {
        if (i < 8391)
            ASSERT_EQ(after[i], good[i]) << "byte " << i;
        else
            ASSERT_EQ(after[i], corrupted[i]) << "byte " << i << " past 8391 changed";
    }
    for (const auto& c : r.changes) EXPECT_LT(c.offset + c.length, 8392u);
    const auto regions = ops::restore_regions(photon(), ops::RestoreScope::All, 16384);
    ASSERT_EQ(regions.size(), 1u);
    EXPECT_EQ(regions[0].offset + regions[0].length, 8391u);
}

TEST_F(Restore, DryRunShowsTheDiffAndWritesNothing) {
    corrupt(key_and_address_corruption);
    CountingStore store(unit_path, photon());
    const auto r = run(store, ops::RestoreScope::All, false, /*dry_run=*/true);
    EXPECT_TRUE(r.write.dry_run);
    EXPECT_FALSE(r.write.written);
    EXPECT_FALSE(r.changes.empty());
    EXPECT_EQ(store.writes, 0);
    EXPECT_EQ(read_all(unit_path), corrupted);
    EXPECT_EQ(unit_backups(), 0u);
}

TEST_F(Restore, NothingToChangeWritesNothing) {
    write_all(unit_path, good);
    CountingStore store(unit_path, photon());
    const auto r = run(store, ops::RestoreScope::All);
    EXPECT_TRUE(r.write.already_current);
    EXPECT_TRUE(r.changes.empty());
    EXPECT_EQ(store.writes, 0);
    EXPECT_EQ(unit_backups(), 0u);
}

TEST_F(Restore, ForeignBackupRefusedUnlessForced) {
    Bytes foreign = good;
    foreign[3618 + 11] ^= 0x01;
    write_all(backup_path, foreign);
    corrupt(key_and_address_corruption);
    const std::string before = keys::sha256_hex(corrupted);
    {
        CountingStore store(unit_path, photon());
        try {
            run(store, ops::RestoreScope::DeviceKey);
            ADD_FAILURE() << "expected Refused";
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::Refused) << e.what();
            EXPECT_NE(std::string(e.what()).find("3a0036000247363333343434"), std::string::npos) << e.what();
        }
        EXPECT_EQ(store.writes, 0);
        EXPECT_EQ(keys::sha256_hex(read_all(unit_path)), before);
        EXPECT_EQ(unit_backups(), 0u);
    }
    CountingStore store(unit_path, photon());
    const auto r = run(store, ops::RestoreScope::DeviceKey, /*force=*/true);
    EXPECT_TRUE(r.forced);
    EXPECT_FALSE(r.warnings.empty());
    EXPECT_EQ(store.writes, 1);
}

TEST_F(Restore, BackupWithoutADeviceIdRefusedUnlessForced) {
    Bytes anonymous = good;
    fill(anonymous, 3618, 12, 0xFF);
    write_all(backup_path, anonymous);
    corrupt(key_and_address_corruption);
    CountingStore store(unit_path, photon());
    EXPECT_THROW(run(store, ops::RestoreScope::Server), Error);
    EXPECT_EQ(read_all(unit_path), corrupted);
    EXPECT_NO_THROW(run(store, ops::RestoreScope::Server, true));
}

TEST_F(Restore, EmptyBackupsRefused) {
    corrupt(key_and_address_corruption);
    const std::string before = keys::sha256_hex(corrupted);
    auto expect_refused = [&](const Bytes& backup, ops::RestoreScope scope, const char* needle) {
        write_all(backup_path, backup);
        CountingStore store(unit_path, photon());
        try {
            run(store, scope, /*force=*/true);
            ADD_FAILURE() << "expected a refusal for " << needle;
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::InvalidInput) << e.what();
            EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
        }
        EXPECT_EQ(store.writes, 0);
        EXPECT_EQ(keys::sha256_hex(read_all(unit_path)), before);
        EXPECT_EQ(unit_backups(), 0u);
    };
    expect_refused(Bytes(16384, 0x00), ops::RestoreScope::All, "nothing to restore");
    expect_refused(Bytes(16384, 0xFF), ops::RestoreScope::All, "nothing to restore");
    Bytes no_key = good;
    fill(no_key, 34, 612, 0xFF);
    fill(no_key, 1250, 384, 0x00);
    expect_refused(no_key, ops::RestoreScope::DeviceKey, "nothing to restore");
    Bytes no_private = good;
    fill(no_private, 34, 612, 0xFF); // public key still there
    expect_refused(no_private, ops::RestoreScope::DeviceKey, "no key to restore");
    Bytes no_server = good;
    fill(no_server, 2082, 512, 0xFF);
    expect_refused(no_server, ops::RestoreScope::Server, "nothing to restore");
}

TEST_F(Restore, BackupOfTheWrongSizeRefusedBeforeTheTarget) {
    write_all(backup_path, Bytes(100, 0x11));
    ops::RestoreRequest req;
    req.from = backup_path;
    try {
        ops::read_restore_backup(req);
        ADD_FAILURE() << "expected InvalidInput";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::InvalidInput);
    }
    req.from = backups.path() / "missing.dct";
    try {
        ops::read_restore_backup(req);
        ADD_FAILURE() << "expected FileIo";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::FileIo);
    }
}

TEST_F(Restore, ShortV06BackupRestoresWhatItHolds) {
    // A 4258-byte 0.6.x application DCT: "all" is clipped to it, with a warning.
    Bytes small(good.begin(), good.begin() + 4258);
    write_all(backup_path, small);
    corrupt(key_and_address_corruption);
    CountingStore store(unit_path, photon());
    const auto r = run(store, ops::RestoreScope::All);
    EXPECT_FALSE(r.warnings.empty());
    EXPECT_EQ(r.write.write_length, 4258u);
    const Bytes after = read_all(unit_path);
    for (std::size_t i = 0; i < after.size(); ++i) ASSERT_EQ(after[i], i < 4258 ? good[i] : corrupted[i]) << i;
}

TEST(RestoreScopeNames, ParseAndName) {
    EXPECT_EQ(ops::parse_restore_scope("server"), ops::RestoreScope::Server);
    EXPECT_EQ(ops::parse_restore_scope("device-key"), ops::RestoreScope::DeviceKey);
    EXPECT_EQ(ops::parse_restore_scope("all"), ops::RestoreScope::All);
    EXPECT_THROW(ops::parse_restore_scope("keys"), Error);
    EXPECT_EQ(ops::restore_scope_name(ops::RestoreScope::DeviceKey), "device-key");
}

TEST(RestoreDescribeChanges, SplitsAtFieldBoundariesUsingTheSmallestField) {
    const auto named = ops::describe_changes(photon(), {{2460, 10}, {2977, 2}});
    ASSERT_EQ(named.size(), 4u);
    EXPECT_EQ(named[0].field, "server_public_key");
    EXPECT_EQ(named[0].offset, 2460u);
    EXPECT_EQ(named[0].length, 6u);
    EXPECT_EQ(named[1].field, "server_address");
    EXPECT_EQ(named[1].offset, 2466u);
    EXPECT_EQ(named[1].length, 4u);
    EXPECT_EQ(named[1].differing, 4u);
    EXPECT_EQ(named[2].field, "cloud_transport");
    EXPECT_EQ(named[3].field, "alt_device_public_key");
    // Pieces of one field a few bytes apart are one entry.
    const auto merged = ops::describe_changes(photon(), {{100, 2}, {110, 3}, {300, 1}});
    ASSERT_EQ(merged.size(), 2u);
    EXPECT_EQ(merged[0].field, "device_private_key");
    EXPECT_EQ(merged[0].offset, 100u);
    EXPECT_EQ(merged[0].length, 13u);
    EXPECT_EQ(merged[0].differing, 5u);
    EXPECT_EQ(merged[1].offset, 300u);
}

} // namespace
