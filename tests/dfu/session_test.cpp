#include <gtest/gtest.h>

#include <numeric>

#include "session_test_support.hpp"

using namespace photon_dct;
using namespace photon_dct::dfu;
using namespace photon_dct::dfu::testing;
using std::chrono::milliseconds;
using test_support::catch_error;

TEST_F(DfuseSessionTest, ConstructionClaimsTheInterfaceAndNamesAltsWhenAsked) {
    DfuseSession s(t, options());
    EXPECT_TRUE(t.strings_read().empty());
    EXPECT_EQ(s.alt_names(), (std::vector<std::string>{kPhotonAlt0, kPhotonAlt1}));
    EXPECT_EQ(s.alt_names(), (std::vector<std::string>{kPhotonAlt0, kPhotonAlt1}));
    EXPECT_EQ(t.strings_read(), (std::vector<std::uint8_t>{6, 7})); // each once
    EXPECT_EQ(t.claimed(), (std::vector<std::uint8_t>{0}));
    EXPECT_EQ(s.transfer_size(), 4096);
    EXPECT_EQ(s.dfu_interface().functional.transfer_size, 4096);
    EXPECT_EQ(t.calls(), 0u);
    EXPECT_FALSE(s.selected_alt().has_value());
}

TEST_F(DfuseSessionTest, TransferSizeIsCappedAt4096) {
    Bytes c = photon_config();
    c[33] = 0x20; // wTransferSize 8192
    ScriptedTransport big(c, photon_strings());
    DfuseSession s(big, options());
    EXPECT_EQ(s.dfu_interface().functional.transfer_size, 8192);
    EXPECT_EQ(s.transfer_size(), 4096);
}

TEST_F(DfuseSessionTest, PlainDfuDeviceIsRejected) {
    Bytes c = photon_config();
    c[34] = 0x10; // bcdDFUVersion 0x0110
    ScriptedTransport plain(c, photon_strings());
    const Error e = catch_error([&] { DfuseSession s(plain, options()); });
    EXPECT_EQ(e.kind(), ErrorKind::DfuProtocol);
    EXPECT_NE(std::string(e.what()).find("DfuSe"), std::string::npos);
}

TEST(DfuseSessionAlt, TheLikelyAltIsNamedFirstAndAloneWhenItMatches) {
    ScriptedTransport t(p1_config(), p1_strings());
    DfuseSession s(t, SessionOptions{});
    s.select_alt("DCT Flash", 1);
    EXPECT_EQ(s.selected_alt(), 1);
    EXPECT_EQ(t.strings_read(), (std::vector<std::uint8_t>{7}));
    // Another memory: the other alts are named in descriptor order, the DCT alt not again.
    s.select_alt("Serial Flash", 1);
    EXPECT_EQ(s.selected_alt(), 2);
    EXPECT_EQ(t.strings_read(), (std::vector<std::uint8_t>{7, 6, 8}));
    EXPECT_EQ(s.alt_names().size(), 3u);
    EXPECT_EQ(t.strings_read().size(), 3u);
}

TEST(DfuseSessionAlt, AWrongGuessStillFindsTheMemoryByName) {
    // Alt 1 is not the DCT here: the name decides, never the alt number.
    ScriptedTransport t(p1_config(), {{6, kPhotonAlt1}, {7, kP1Alt2}, {8, kPhotonAlt0}});
    DfuseSession s(t, SessionOptions{});
    s.select_alt("DCT Flash", 1);
    EXPECT_EQ(s.selected_alt(), 0);
    EXPECT_EQ(t.strings_read(), (std::vector<std::uint8_t>{7, 6}));
}

TEST(DfuseSessionAlt, SelectByNameOnP1WithThreeAlts) {
    ScriptedTransport t(p1_config(), p1_strings());
    DfuseSession s(t, SessionOptions{});
    ASSERT_EQ(s.alt_names().size(), 3u);
    s.select_alt("Serial Flash");
    EXPECT_EQ(s.selected_alt(), 2);
    EXPECT_EQ(s.layout().name, "Serial Flash");
    s.select_alt("DCT Flash");
    EXPECT_EQ(s.selected_alt(), 1);
    EXPECT_EQ(s.layout().segments.at(0).size(), 16384u);
    s.select_alt("Internal Flash   "); // trailing spaces are ignored
    EXPECT_EQ(s.selected_alt(), 0);
    ASSERT_EQ(t.alt_settings().size(), 3u);
    EXPECT_EQ(t.alt_settings()[0], (std::pair<std::uint8_t, std::uint8_t>{0, 2}));
    EXPECT_EQ(t.alt_settings()[1], (std::pair<std::uint8_t, std::uint8_t>{0, 1}));
    EXPECT_EQ(t.alt_settings()[2], (std::pair<std::uint8_t, std::uint8_t>{0, 0}));

    const Error e = catch_error([&] { s.select_alt("DCT"); });
    EXPECT_EQ(e.kind(), ErrorKind::DfuProtocol);
    const std::string msg = e.what();
    EXPECT_NE(msg.find("\"Internal Flash\" (alt 0)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("\"DCT Flash\" (alt 1)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("\"Serial Flash\" (alt 2)"), std::string::npos) << msg;
    EXPECT_EQ(s.selected_alt(), 0); // unchanged
    EXPECT_EQ(t.calls(), 0u);
}

TEST_F(DfuseSessionTest, OperationsNeedASelectedAlt) {
    DfuseSession s(t, options());
    EXPECT_EQ(catch_error([&] { s.upload(0, 16); }).kind(), ErrorKind::Internal);
    EXPECT_EQ(catch_error([&] { s.download(0, pattern(16)); }).kind(), ErrorKind::Internal);
    EXPECT_EQ(t.calls(), 0u);
}

// dfu-util's read without its two GETSTATUS after ABORT: ABORT ends in dfuIDLE by itself (DFU 1.1;
// docs/dfu-protocol.md §3.4), and an UPLOAD in any other state would stall.
TEST_F(DfuseSessionTest, Upload16KiBAsDfuUtilWithoutAStatusAfterAbort) {
    const Bytes dct = pattern(16384);
    t.expect(Idle()).expect(SetAddressCmd(0)).expect(Busy()).expect(DnloadIdle()).expect(Abort());
    for (std::uint16_t block = 2; block <= 5; ++block) {
        t.expect(Upload(block, 4096, slice(dct, (block - 2u) * 4096u, 4096)));
    }
    t.expect(Abort());
    auto s = dct_session();
    const Bytes got = s->upload(0, 16384);
    EXPECT_EQ(got, dct);
    expect_script_done();
    EXPECT_EQ(s->counters(), (TransferCounters{.control_transfers = 10,
                                               .data_downloads = 0,
                                               .uploads = 4,
                                               .set_address_commands = 1,
                                               .erase_commands = 0,
                                               .status_polls = 3}));
    for (const auto& timeout : t.timeouts()) EXPECT_EQ(timeout, milliseconds(5000));
    EXPECT_FALSE(trace.empty());
}

TEST_F(DfuseSessionTest, UploadStopsAtAShortBlock) {
    const Bytes data = pattern(4096 + 100, 3);
    t.expect(Idle()).expect_set_address(0x1000).expect(Abort());
    t.expect(Upload(2, 4096, slice(data, 0, 4096)));
    t.expect(Upload(3, 4096, slice(data, 4096, 100))); // short: the device has no more
    t.expect(Abort());
    auto s = dct_session();
    const Bytes got = s->upload(0x1000, 12288); // asks for 12 KiB, gets 4196 bytes
    EXPECT_EQ(got, data);
    expect_script_done();
    EXPECT_EQ(s->counters().uploads, 2u);
}

TEST_F(DfuseSessionTest, UploadOfAnOddLengthAsksForTheRemainderLast) {
    const Bytes data = pattern(5000, 9);
    t.expect(Idle()).expect_set_address(2082).expect(Abort());
    t.expect(Upload(2, 4096, slice(data, 0, 4096)));
    t.expect(Upload(3, 904, slice(data, 4096, 904)));
    t.expect(Abort());
    auto s = dct_session();
    std::vector<std::pair<std::size_t, std::size_t>> progress; // (done, total) after each block
    EXPECT_EQ(s->upload(2082, 5000, [&](std::size_t done, std::size_t total) { progress.emplace_back(done, total); }),
              data);
    expect_script_done();
    EXPECT_EQ(progress, (std::vector<std::pair<std::size_t, std::size_t>>{{4096, 5000}, {5000, 5000}}));
}

TEST_F(DfuseSessionTest, UploadOutsideTheLayoutIsRefusedWithoutTraffic) {
    auto s = dct_session();
    const Error e = catch_error([&] { s->upload(0x3F00, 512); });
    EXPECT_EQ(e.kind(), ErrorKind::Refused);
    EXPECT_NE(std::string(e.what()).find("DCT Flash"), std::string::npos);
    EXPECT_TRUE(s->upload(0, 0).empty());
    EXPECT_EQ(t.calls(), 0u);
}

TEST_F(DfuseSessionTest, Download5000BytesIsTwoChunksWithASetAddressEachAndNoErase) {
    const Bytes data = pattern(5000, 1);
    t.expect(Idle());
    t.expect_set_address(0x100).expect(Dnload(2, slice(data, 0, 4096))).expect(Busy()).expect(DnloadIdle());
    t.expect_set_address(0x1100).expect(Dnload(2, slice(data, 4096, 904))).expect(Busy()).expect(DnloadIdle());
    auto s = dct_session();
    std::vector<std::pair<std::size_t, std::size_t>> progress; // (done, total) once each chunk is programmed
    s->download(0x100, data, [&](std::size_t done, std::size_t total) { progress.emplace_back(done, total); });
    expect_script_done();
    EXPECT_EQ(progress, (std::vector<std::pair<std::size_t, std::size_t>>{{4096, 5000}, {5000, 5000}}));
    EXPECT_EQ(s->counters(), (TransferCounters{.control_transfers = 13,
                                               .data_downloads = 2,
                                               .uploads = 0,
                                               .set_address_commands = 2,
                                               .erase_commands = 0,
                                               .status_polls = 9}));
}

TEST_F(DfuseSessionTest, Download512BytesAt2082) {
    const Bytes block = pattern(512, 5);
    t.expect(Idle()).expect_set_address(2082).expect(Dnload(2, block)).expect(Busy()).expect(DnloadIdle());
    auto s = dct_session();
    s->download(2082, block); // ends in dfuDNLOAD_IDLE, where the read-back's set address is allowed
    expect_script_done();
    EXPECT_EQ(s->counters().data_downloads, 1u);
    EXPECT_EQ(s->counters().erase_commands, 0u);
}

// prepare_download sends the set-address ahead; the download right after it at that address starts
// with its data. Another address, or any other request in between, gets its own set-address.
TEST_F(DfuseSessionTest, PreparedDownloadStartsWithItsData) {
    const Bytes block = pattern(512, 5);
    t.expect(Idle()).expect_set_address(2082).expect(Dnload(2, block)).expect(Busy()).expect(DnloadIdle());
    auto s = dct_session();
    s->prepare_download(2082);
    s->download(2082, block);
    expect_script_done();
    EXPECT_EQ(s->counters().set_address_commands, 1u);
    EXPECT_EQ(s->counters().data_downloads, 1u);
}

TEST_F(DfuseSessionTest, PreparedAddressIsNotReusedForAnotherAddressOrAfterAnotherRequest) {
    const Bytes block = pattern(16, 5);
    const Bytes read = pattern(4096, 7);
    t.expect(Idle()).expect_set_address(2082);
    t.expect_set_address(2100).expect(Dnload(2, block)).expect(Busy()).expect(DnloadIdle());
    t.expect_set_address(2082); // prepared again, then an upload in between
    t.expect_set_address(0).expect(Abort()).expect(Upload(2, 4096, read)).expect(Abort());
    t.expect_set_address(2082).expect(Dnload(2, block)).expect(Busy()).expect(DnloadIdle());
    auto s = dct_session();
    s->prepare_download(2082);
    s->download(2100, block);
    s->prepare_download(2082);
    EXPECT_EQ(s->upload(0, 4096), read);
    s->download(2082, block);
    expect_script_done();
    EXPECT_EQ(s->counters().set_address_commands, 5u);
}

TEST_F(DfuseSessionTest, DownloadIntoReadOnlyMemoryIsRefused) {
    auto s = std::make_unique<DfuseSession>(t, options());
    s->select_alt("Internal Flash");
    EXPECT_EQ(catch_error([&] { s->download(0x08000000, pattern(16)); }).kind(), ErrorKind::Refused);
    s->select_alt("DCT Flash");
    EXPECT_EQ(catch_error([&] { s->download(16000, pattern(512)); }).kind(), ErrorKind::Refused);
    s->download(0, {}); // nothing to do
    EXPECT_EQ(t.calls(), 0u);
}

TEST_F(DfuseSessionTest, PollTimeoutsAreHonouredBeforeTheNextRequest) {
    const Bytes block = pattern(100);
    t.expect(GetStatus(Status::OK, State::dfuIDLE, 7));
    t.expect(SetAddressCmd(2082)).expect(Busy(1)).expect(Busy(30)).expect(DnloadIdle(2));
    t.expect(Dnload(2, block)).expect(Busy(500)).expect(GetStatus(Status::OK, State::dfuDNLOAD_IDLE, 11));
    auto s = dct_session();
    s->download(2082, block);
    expect_script_done();
    // Every non-zero bwPollTimeout is waited for before the next request; the last one is
    // still pending (the next operation waits for it first).
    EXPECT_EQ(sleeps, (std::vector<milliseconds>{milliseconds(7), milliseconds(1), milliseconds(30), milliseconds(2),
                                                 milliseconds(500)}));
    // The read-back starts right at dfuDNLOAD_IDLE: no GETSTATUS first.
    t.expect_set_address(0).expect(Abort()).expect(Upload(2, 16, pattern(16))).expect(Abort());
    s->upload(0, 16);
    EXPECT_EQ(sleeps.back(), milliseconds(11));
    expect_script_done();
}

TEST_F(DfuseSessionTest, HugePollTimeoutIsClamped) {
    SessionOptions o = options();
    o.max_poll_wait = milliseconds(2000);
    auto s = dct_session(o);
    t.expect(GetStatus(Status::OK, State::dfuIDLE, 0xFFFFFF));
    t.expect_set_address(0).expect(Abort()).expect(Upload(2, 8, pattern(8))).expect(Abort());
    s->upload(0, 8);
    EXPECT_EQ(sleeps, (std::vector<milliseconds>{milliseconds(2000)}));
    expect_script_done();
}

TEST_F(DfuseSessionTest, UploadHearsTheBytesBeforeItsLastAbort) {
    auto s = dct_session();
    t.expect(Idle()).expect_set_address(0).expect(Abort()).expect(Upload(2, 8, pattern(8))).expect(Abort());
    Bytes heard;
    std::size_t requests_before = 0;
    const Bytes got = s->upload(0, 8, {}, [&](const Bytes& read) {
        heard = read;
        requests_before = t.calls();
    });
    EXPECT_EQ(got, pattern(8));
    EXPECT_EQ(heard, got);
    EXPECT_EQ(requests_before + 1, t.calls()); // only the ABORT back to dfuIDLE came after
    expect_script_done();
}

TEST_F(DfuseSessionTest, AltWhoseNameStallsIsUnnamed) {
    ScriptedTransport t2{photon_config(), {{7, kPhotonAlt1}}}; // string 6 stalls
    DfuseSession s(t2, options());
    EXPECT_EQ(s.alt_names(), (std::vector<std::string>{"", kPhotonAlt1}));
    s.select_alt("DCT Flash");
    EXPECT_EQ(s.selected_alt(), 1);
    EXPECT_EQ(catch_error([&] { s.select_alt("Internal Flash"); }).kind(), ErrorKind::DfuProtocol);
}

TEST_F(DfuseSessionTest, LeaveWhereTheDeviceVanishesIsSuccess) {
    t.expect(Idle()).expect_set_address(0x08020000).expect(Dnload(2, {}));
    t.expect(Idle().vanish());
    auto s = dct_session();
    EXPECT_NO_THROW(s->leave(0x08020000));
    expect_script_done();
    EXPECT_EQ(s->counters().data_downloads, 0u); // the zero-length leave request carries no data
    // The session is finished.
    EXPECT_EQ(catch_error([&] { s->upload(0, 8); }).kind(), ErrorKind::Internal);
    EXPECT_EQ(t.remaining(), 0u);
}

TEST_F(DfuseSessionTest, LeaveWhereTheDeviceAnswersDnloadIdleIsSuccess) {
    t.expect(Idle()).expect_set_address(0x08020000).expect(Dnload(2, {}));
    t.expect(DnloadIdle(500));
    auto s = dct_session();
    EXPECT_NO_THROW(s->leave(0x08020000));
    expect_script_done();
    EXPECT_TRUE(sleeps.empty()); // nothing more is sent, so nothing to wait for
}

TEST_F(DfuseSessionTest, DnloadIdleAfterLeaveIsSuccessOnlyWithTheParticleQuirk) {
    t.expect(Idle()).expect_set_address(0).expect(Dnload(2, {}));
    t.expect(DnloadIdle(0));
    SessionOptions o = options();
    o.quirks = {}; // a DfuSe device without Particle's leave answer
    DfuseSession s(t, o);
    const Error e = catch_error([&] { s.leave(0); });
    EXPECT_NE(std::string(e.what()).find("did not leave"), std::string::npos) << e.what();
    expect_script_done();
}

TEST_F(DfuseSessionTest, LeaveWithAStallOrTimeoutAfterTheRequestIsSuccess) {
    for (Outcome outcome : {Outcome::Stall, Outcome::Timeout}) {
        ScriptedTransport t2{photon_config(), photon_strings()};
        Step after = Idle();
        after.outcome = outcome;
        t2.expect(Idle()).expect_set_address(0).expect(Dnload(2, {})).expect(after);
        DfuseSession s(t2, options());
        EXPECT_NO_THROW(s.leave(0)); // no alt selection needed to leave
        EXPECT_EQ(t2.remaining(), 0u);
    }
}

TEST_F(DfuseSessionTest, LeaveThatTheDeviceIgnoresIsAnError) {
    t.expect(Idle()).expect_set_address(0).expect(Dnload(2, {})).expect(Idle());
    auto s = dct_session();
    const Error e = catch_error([&] { s->leave(0); });
    EXPECT_EQ(e.kind(), ErrorKind::DfuProtocol);
    EXPECT_NE(std::string(e.what()).find("did not leave"), std::string::npos) << e.what();
    expect_script_done();
}

TEST_F(DfuseSessionTest, NormalModeUnitGetsItsPlatformsButtonAdvice) {
    // A DFU run-time interface only (protocol 1): the unit runs its firmware.
    const Bytes runtime = {0x09, 0x02, 0x1B, 0x00, 0x01, 0x01, 0x00, 0x80, 0x32, 0x09, 0x04, 0x00, 0x00, 0x00,
                           0xFE, 0x01, 0x01, 0x00, 0x09, 0x21, 0x0B, 0xFF, 0x00, 0x00, 0x10, 0x1A, 0x01};
    ScriptedTransport t2{runtime, {}};
    SessionOptions o = options();
    o.platform_id = photon_dct::quirks::kElectron;
    const Error e = catch_error([&] { DfuseSession s(t2, o); });
    EXPECT_EQ(e.kind(), ErrorKind::DeviceNotInDfuMode);
    EXPECT_EQ(e.hint(), "put it into DFU mode: hold MODE, tap RESET, and release MODE when the LED blinks yellow");
}
