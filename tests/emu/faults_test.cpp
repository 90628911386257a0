// parse_faults: the fault SPEC grammar of photon_emu and photon-dct-emu.
#include "photon_emu.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

using photon_emu::FaultKind;
using photon_emu::parse_faults;
using photon_emu::RequestClass;

namespace {

std::string error_of(const std::string& spec) {
    try {
        parse_faults(spec);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "";
}

TEST(ParseFaults, SingleItemDefaultsToFirstRequest) {
    const auto f = parse_faults("Stall:DnloadData");
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].kind, FaultKind::Stall);
    EXPECT_EQ(f[0].on, RequestClass::DnloadData);
    EXPECT_EQ(f[0].nth, 1u);
}

TEST(ParseFaults, SeveralItemsCaseAndSeparatorInsensitive) {
    const auto f = parse_faults("timeout:get-status:3, disconnect_after:LEAVE ,shortread:upload:2,reset:any:10");
    ASSERT_EQ(f.size(), 4u);
    EXPECT_EQ(f[0].kind, FaultKind::Timeout);
    EXPECT_EQ(f[0].on, RequestClass::GetStatus);
    EXPECT_EQ(f[0].nth, 3u);
    EXPECT_EQ(f[1].kind, FaultKind::DisconnectAfter);
    EXPECT_EQ(f[1].on, RequestClass::Leave);
    EXPECT_EQ(f[2].kind, FaultKind::ShortRead);
    EXPECT_EQ(f[2].nth, 2u);
    EXPECT_EQ(f[3].kind, FaultKind::Reset);
    EXPECT_EQ(f[3].on, RequestClass::Any);
    EXPECT_EQ(f[3].nth, 10u);
}

TEST(ParseFaults, AllNamesRoundTrip) {
    for (auto k : {FaultKind::Stall, FaultKind::Error, FaultKind::Timeout, FaultKind::Disconnect,
                   FaultKind::DisconnectAfter, FaultKind::Reset}) {
        for (auto c : {RequestClass::DnloadData, RequestClass::DnloadCommand, RequestClass::SetAddress,
                       RequestClass::Erase, RequestClass::Upload, RequestClass::GetStatus, RequestClass::ClrStatus,
                       RequestClass::Abort, RequestClass::Leave, RequestClass::Any}) {
            const std::string spec =
                std::string(photon_emu::to_string(k)) + ":" + std::string(photon_emu::to_string(c));
            const auto f = parse_faults(spec);
            ASSERT_EQ(f.size(), 1u) << spec;
            EXPECT_EQ(f[0].kind, k) << spec;
            EXPECT_EQ(f[0].on, c) << spec;
        }
    }
}

TEST(ParseFaults, ErrorsAreClear) {
    EXPECT_NE(error_of("").find("empty fault spec"), std::string::npos);
    EXPECT_NE(error_of("stall").find("expected KIND:REQUEST[:N]"), std::string::npos);
    EXPECT_NE(error_of("stall:upload:1:2").find("expected KIND:REQUEST[:N]"), std::string::npos);
    EXPECT_NE(error_of("explode:upload").find("unknown fault kind 'explode'"), std::string::npos);
    EXPECT_NE(error_of("stall:flash").find("unknown request class 'flash'"), std::string::npos);
    EXPECT_NE(error_of("stall:upload:0").find("positive decimal integer"), std::string::npos);
    EXPECT_NE(error_of("stall:upload:x1").find("positive decimal integer"), std::string::npos);
    EXPECT_NE(error_of("stall:upload:-1").find("positive decimal integer"), std::string::npos);
    EXPECT_NE(error_of("stall:upload,").find("empty item"), std::string::npos);
    EXPECT_NE(error_of("shortread:dnloaddata").find("ShortRead applies to Upload"), std::string::npos);
    EXPECT_THROW(parse_faults("stall:upload:99999999999999999999"), std::invalid_argument);
}

} // namespace
