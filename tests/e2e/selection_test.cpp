// Issue 3 "Selection" and issue 4 item 5 (P1's extra alt): which unit a command works on.
#include "e2e_support.hpp"

namespace e2e {
namespace {

Bytes original() { return window(read_file(kFieldFailure)); }
Bytes repaired() {
    return image_with(original(), 2082, tcp_server_block(server_key_der(), "cloud.example.com", 5683u));
}

TEST(Selection, NoDeviceOutsideTheEmulatorExits3) {
    TempDir tmp;
    const std::vector<std::string> unset{"UMOCKDEV_DIR", "LD_PRELOAD"};
    // This host has no real Particle units: list must see none (so the next check means something).
    const auto list = run(dct({"--json", "list"}), tmp.path(), tmp.path(), unset);
    ASSERT_EQ(list.exit_code, 0) << list.describe();
    const auto doc = parse_one_json(list.out);
    ASSERT_TRUE(doc["result"]["devices"].is_array()) << list.out;
    ASSERT_TRUE(doc["result"]["devices"].empty()) << "real devices visible; cannot test 'no device'\n" << list.out;

    const auto r = run(dct({"inspect"}), tmp.path(), tmp.path(), unset);
    EXPECT_EQ(r.exit_code, 3) << r.describe();
    EXPECT_NE(r.err.find("error: "), std::string::npos) << r.describe();

    const auto j = run(dct({"--json", "inspect"}), tmp.path(), tmp.path(), unset);
    EXPECT_EQ(j.exit_code, 3) << j.describe();
    const auto jd = parse_one_json(j.out);
    EXPECT_EQ(jd["ok"], false);
    EXPECT_EQ(jd["error"]["kind"], "no-device") << j.out;
}

TEST(Selection, SingleDeviceIsChosen) {
    TempDir tmp;
    EmuOptions o;
    o.dct = kFieldFailure;
    const auto e = emu_run(o, repair_args(tmp.dir("b")), tmp.path());
    ASSERT_EQ(e.r.exit_code, 0) << e.r.describe();
    EXPECT_TRUE(same_image(e.dump(), repaired()));
}

TEST(Selection, SeveralDevicesWithoutSelectorAreListedAndRefused) {
    TempDir tmp;
    const auto backups = tmp.dir("b");
    EmuOptions o;
    o.dct = kFieldFailure;
    o.devices = 3;
    const auto e = emu_run(o, repair_args(backups), tmp.path());
    EXPECT_EQ(e.r.exit_code, 3) << e.r.describe();
    for (const auto& id : kUnitSerials) EXPECT_NE(e.r.err.find(id), std::string::npos) << id << "\n" << e.r.describe();
    EXPECT_EQ(data_downloads(e.transcript), 0u);
    ASSERT_EQ(e.dumps.size(), 3u);
    for (const auto& d : e.dumps) EXPECT_EQ(d, original());
    EXPECT_TRUE(files_in(backups).empty());
}

TEST(Selection, DeviceIdSelectsAmongSeveral) {
    TempDir tmp;
    EmuOptions o;
    o.dct = kFieldFailure;
    o.devices = 3;
    const auto e = emu_run(o, repair_args(tmp.dir("b"), {"--device", kUnitSerials[1]}), tmp.path());
    ASSERT_EQ(e.r.exit_code, 0) << e.r.describe();
    ASSERT_EQ(e.dumps.size(), 3u);
    EXPECT_TRUE(same_image(e.dumps[0], original()));
    EXPECT_TRUE(same_image(e.dumps[1], repaired()));
    EXPECT_TRUE(same_image(e.dumps[2], original()));
    EXPECT_EQ(data_downloads(e.transcript, 1), 1u);
    EXPECT_EQ(data_downloads(e.transcript), 1u);
}

TEST(Selection, DeviceIdIsCaseInsensitive) {
    TempDir tmp;
    EmuOptions o;
    o.dct = kFieldFailure;
    o.devices = 3;
    std::string upper = kUnitSerials[2];
    for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    const auto e = emu_run(o, repair_args(tmp.dir("b"), {"--device", upper}), tmp.path());
    ASSERT_EQ(e.r.exit_code, 0) << e.r.describe();
    ASSERT_EQ(e.dumps.size(), 3u);
    EXPECT_TRUE(same_image(e.dumps[2], repaired()));
    EXPECT_TRUE(same_image(e.dumps[0], original()));
}

TEST(Selection, PathSelectsAmongSeveral) {
    TempDir tmp;
    EmuOptions o;
    o.dct = kFieldFailure;
    o.devices = 3;
    const auto e = emu_run(o, repair_args(tmp.dir("b"), {"--path", "1-2"}), tmp.path());
    ASSERT_EQ(e.r.exit_code, 0) << e.r.describe();
    ASSERT_EQ(e.dumps.size(), 3u);
    EXPECT_TRUE(same_image(e.dumps[0], original()));
    EXPECT_TRUE(same_image(e.dumps[1], repaired()));
    EXPECT_TRUE(same_image(e.dumps[2], original()));
}

TEST(Selection, UnknownDeviceIdExits3) {
    TempDir tmp;
    EmuOptions o;
    o.dct = kFieldFailure;
    const auto e = emu_run(o, dct({"inspect", "--device", "0123456789abcdef01234567"}), tmp.path());
    EXPECT_EQ(e.r.exit_code, 3) << e.r.describe();
    EXPECT_NE(e.r.err.find("error: "), std::string::npos) << e.r.describe();
}

TEST(Selection, NormalModeUnitWithNoEnterDfuGetsHowToEnterDfuMode) {
    TempDir tmp;
    EmuOptions o;
    o.normal_mode = true;
    const auto e = emu_run(o, dct({"inspect", "--no-enter-dfu"}), tmp.path());
    EXPECT_EQ(e.r.exit_code, 3) << e.r.describe();
    EXPECT_NE(e.r.err.find("hold SETUP"), std::string::npos) << e.r.describe();
    auto args = repair_args(tmp.dir("b"));
    args.push_back("--no-enter-dfu");
    const auto w = emu_run(o, args, tmp.path());
    EXPECT_EQ(w.r.exit_code, 3) << w.r.describe();
    EXPECT_NE(w.r.err.find("hold SETUP"), std::string::npos) << w.r.describe();
}

TEST(Selection, OldConstantSerialOnTwoUnitsNeedsPath) {
    TempDir tmp;
    EmuOptions o;
    o.dct = kFieldFailure;
    o.devices = 2;
    o.serial = "00000000010C";
    const auto e = emu_run(o, repair_args(tmp.dir("b1")), tmp.path());
    EXPECT_EQ(e.r.exit_code, 3) << e.r.describe();
    EXPECT_NE(e.r.err.find("--path"), std::string::npos) << e.r.describe();
    EXPECT_EQ(data_downloads(e.transcript), 0u);

    // --device with the constant serial is still ambiguous.
    const auto d = emu_run(o, repair_args(tmp.dir("b2"), {"--device", "00000000010C"}), tmp.path());
    EXPECT_NE(d.r.exit_code, 0) << d.r.describe();
    EXPECT_EQ(data_downloads(d.transcript), 0u);

    const auto p = emu_run(o, repair_args(tmp.dir("b3"), {"--path", "1-1"}), tmp.path());
    ASSERT_EQ(p.r.exit_code, 0) << p.r.describe();
    ASSERT_EQ(p.dumps.size(), 2u);
    EXPECT_TRUE(same_image(p.dumps[0], repaired()));
    EXPECT_TRUE(same_image(p.dumps[1], original()));
}

TEST(Selection, JsonListIsOneDocumentWithBothUnits) {
    TempDir tmp;
    EmuOptions o;
    o.devices = 2;
    const auto e = emu_run(o, dct({"--json", "list"}), tmp.path());
    ASSERT_EQ(e.r.exit_code, 0) << e.r.describe();
    json doc;
    ASSERT_NO_THROW(doc = parse_one_json(e.r.out)) << e.r.out;
    EXPECT_EQ(doc["ok"], true);
    EXPECT_EQ(doc["command"], "list");
    const auto& devices = doc["result"]["devices"];
    ASSERT_TRUE(devices.is_array());
    ASSERT_EQ(devices.size(), 2u) << e.r.out;
    std::set<std::string> paths, ids;
    for (const auto& d : devices) {
        EXPECT_EQ(d["mode"], "dfu");
        EXPECT_EQ(d["platform"], "photon");
        EXPECT_EQ(d["usb_id"], "2b04:d006");
        paths.insert(d["path"].get<std::string>());
        ids.insert(d["device_id"].get<std::string>());
        ASSERT_TRUE(d["alt_names"].is_array());
        ASSERT_GE(d["alt_names"].size(), 2u);
        EXPECT_EQ(d["alt_names"][1], "@DCT Flash   /0x00000000/01*016Kg");
    }
    EXPECT_EQ(paths, (std::set<std::string>{"1-1", "1-2"}));
    EXPECT_EQ(ids, (std::set<std::string>{kUnitSerials[0], kUnitSerials[1]}));
}

TEST(Selection, JsonListShowsNormalModeUnit) {
    TempDir tmp;
    EmuOptions o;
    o.normal_mode = true;
    o.platform = "electron";
    const auto e = emu_run(o, dct({"--json", "list"}), tmp.path());
    ASSERT_EQ(e.r.exit_code, 0) << e.r.describe();
    const auto doc = parse_one_json(e.r.out);
    ASSERT_EQ(doc["result"]["devices"].size(), 1u) << e.r.out;
    EXPECT_EQ(doc["result"]["devices"][0]["mode"], "normal");
    EXPECT_EQ(doc["result"]["devices"][0]["platform"], "electron");
    EXPECT_EQ(doc["result"]["devices"][0]["usb_id"], "2b04:c00a");
}

TEST(Selection, P1AltChosenByNameForInspectAndRestoreServer) {
    TempDir tmp;
    EmuOptions o;
    o.platform = "p1";
    o.dct = kFieldFailure;
    const auto list = emu_run(o, dct({"--json", "list"}), tmp.path());
    ASSERT_EQ(list.r.exit_code, 0) << list.r.describe();
    const auto ldoc = parse_one_json(list.r.out);
    ASSERT_EQ(ldoc["result"]["devices"].size(), 1u);
    EXPECT_EQ(ldoc["result"]["devices"][0]["alt_names"].size(), 3u) << list.r.out;
    EXPECT_EQ(ldoc["result"]["devices"][0]["platform"], "p1");

    const auto i = emu_run(o, dct({"--json", "inspect"}), tmp.path());
    EXPECT_EQ(i.r.exit_code, 11) << i.r.describe();
    const auto idoc = parse_one_json(i.r.out);
    EXPECT_EQ(idoc["result"]["platform"], "p1");
    EXPECT_EQ(idoc["result"]["device_id"], kSerial);

    const auto e = emu_run(o, repair_args(tmp.dir("b")), tmp.path());
    ASSERT_EQ(e.r.exit_code, 0) << e.r.describe();
    EXPECT_TRUE(same_image(e.dump(), repaired()));
    EXPECT_EQ(data_downloads(e.transcript), 1u);
    // Every SET_INTERFACE selected alt 1 (the DCT), never the P1's serial-flash alt 2.
    std::size_t set_interface = 0;
    for (const auto& x : e.transcript)
        if (x.value("name", std::string()) == "SET_INTERFACE") {
            ++set_interface;
            EXPECT_EQ(x.value("value", -1), 1) << x.dump();
        }
    EXPECT_GE(set_interface, 1u) << transcript_text(e.transcript);
}

TEST(Selection, Gen3DctAltStringWorks) {
    TempDir tmp;
    EmuOptions o;
    o.gen3 = true;
    o.dct = kFieldFailure;
    const auto e = emu_shell(o,
                             shell_join(repair_args(tmp.dir("b"))) + " && " +
                                 shell_join(dct({"backup", "-o", (tmp / "after.dct").string()})),
                             tmp.path());
    ASSERT_EQ(e.r.exit_code, 0) << e.r.describe();
    EXPECT_TRUE(same_image(e.dump(), repaired()));
    EXPECT_TRUE(same_image(read_file(tmp / "after.dct"), repaired()));
    EXPECT_EQ(data_downloads(e.transcript), 1u);
    EXPECT_EQ(erases(e.transcript), 0u);
}

TEST(Selection, UnreadableDctIsReportedAndNotWritten) {
    TempDir tmp;
    const auto backups = tmp.dir("b");
    EmuOptions o;
    o.unreadable = true;
    o.dct = kFieldFailure;
    const auto i = emu_run(o, dct({"--json", "inspect"}), tmp.path());
    EXPECT_EQ(i.r.exit_code, 11) << i.r.describe();
    const auto doc = parse_one_json(i.r.out);
    bool found = false;
    for (const auto& f : doc["result"]["findings"])
        if (f["code"] == "dct-unreadable") found = true;
    EXPECT_TRUE(found) << i.r.out;

    const auto w = emu_run(o, repair_args(backups), tmp.path());
    EXPECT_EQ(w.r.exit_code, 9) << w.r.describe();
    EXPECT_NE(w.r.err.find("error: "), std::string::npos);
    EXPECT_EQ(data_downloads(w.transcript), 0u) << transcript_text(w.transcript);
    EXPECT_TRUE(same_image(w.dump(), original()));
}

} // namespace
TEST(Selection, InspectJsonShowsTheUsbIdentityOfTheUnit) {
    TempDir tmp;
    EmuOptions o;
    o.platform = "p1";
    const auto e = emu_run(o, dct({"--json", "inspect"}), tmp.path());
    const auto doc = parse_one_json(e.r.out);
    const auto& usb = doc["result"]["usb"];
    ASSERT_TRUE(usb.is_object()) << e.r.out;
    EXPECT_EQ(usb["usb_id"], "2b04:d008");
    EXPECT_EQ(usb["path"], "1-1");
    EXPECT_EQ(usb["product"], "P1 DFU Mode");
    ASSERT_EQ(usb["alt_names"].size(), 3u);
    EXPECT_EQ(usb["alt_names"][2], "@Serial Flash   /0x00000000/256*004Kg");
    EXPECT_EQ(doc["result"]["platform"], "p1");
}

// The unit object names the unit as enumeration found it: its serial, the device ID in it, its
// port path, DFU mode (man page, JSON OUTPUT); the same object for a reading and a writing command.
TEST(Selection, JsonResultsCarryTheUnitObject) {
    TempDir tmp;
    EmuOptions o;
    o.platform = "electron";
    o.serial = "3A0036000247363333343435";
    const json expected = {{"device_id", "3a0036000247363333343435"},
                           {"platform", "electron"},
                           {"mode", "dfu"},
                           {"usb_path", "1-1"},
                           {"serial", "3A0036000247363333343435"}};
    const auto inspect = emu_run(o, dct({"--json", "inspect"}), tmp.path());
    EXPECT_EQ(parse_one_json(inspect.r.out)["result"]["unit"], expected) << inspect.r.describe();
    const auto backup = emu_run(o, dct({"--json", "backup", "-o", (tmp / "b.dct").string()}), tmp.path());
    ASSERT_EQ(backup.r.exit_code, 0) << backup.r.describe();
    EXPECT_EQ(parse_one_json(backup.r.out)["result"]["unit"], expected) << backup.r.out;
    const auto protocol = emu_run(o, dct({"--json", "protocol", "tcp"}), tmp.path());
    ASSERT_EQ(protocol.r.exit_code, 0) << protocol.r.describe();
    EXPECT_EQ(parse_one_json(protocol.r.out)["result"]["unit"], expected) << protocol.r.out;
    const auto list = emu_run(o, dct({"--json", "list"}), tmp.path());
    EXPECT_EQ(parse_one_json(list.r.out)["result"]["devices"][0]["unit"], expected) << list.r.out;
}

} // namespace e2e
