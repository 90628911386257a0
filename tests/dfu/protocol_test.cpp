#include <gtest/gtest.h>

#include "photon_dct/dfu/protocol.hpp"
#include "photon_dct/error.hpp"

using namespace photon_dct;
using namespace photon_dct::dfu;

TEST(DfuProtocol, StateNames) {
    EXPECT_EQ(state_name(State::appIDLE), "appIDLE");
    EXPECT_EQ(state_name(State::dfuIDLE), "dfuIDLE");
    EXPECT_EQ(state_name(State::dfuDNBUSY), "dfuDNBUSY");
    EXPECT_EQ(state_name(State::dfuDNLOAD_IDLE), "dfuDNLOAD_IDLE");
    EXPECT_EQ(state_name(State::dfuMANIFEST_WAIT_RESET), "dfuMANIFEST_WAIT_RESET");
    EXPECT_EQ(state_name(State::dfuUPLOAD_IDLE), "dfuUPLOAD_IDLE");
    EXPECT_EQ(state_name(State::dfuERROR), "dfuERROR");
    EXPECT_EQ(state_name(static_cast<State>(42)), "unknown state 42");
}

TEST(DfuProtocol, StatusNamesAndDescriptions) {
    EXPECT_EQ(status_name(Status::OK), "OK");
    EXPECT_EQ(status_name(Status::errWRITE), "errWRITE");
    EXPECT_EQ(status_name(Status::errSTALLEDPKT), "errSTALLEDPKT");
    EXPECT_EQ(status_name(static_cast<Status>(99)), "unknown status 99");
    EXPECT_EQ(describe_status(Status::errWRITE), "errWRITE (the device could not write to memory)");
    for (int i = 0; i <= 15; ++i) {
        const auto s = static_cast<Status>(i);
        EXPECT_FALSE(status_description(s).empty()) << i;
        EXPECT_NE(status_name(s).rfind("unknown", 0), 0u) << i;
    }
    EXPECT_FALSE(status_description(static_cast<Status>(16)).empty());
}

TEST(DfuProtocol, StatusReply) {
    const std::uint8_t raw[6] = {0x03, 0xF4, 0x01, 0x00, 0x0A, 0x00};
    const StatusReply r = parse_status_reply(raw);
    EXPECT_EQ(r.status, Status::errWRITE);
    EXPECT_EQ(r.poll_timeout_ms, 500u);
    EXPECT_EQ(r.state, State::dfuERROR);
    const std::uint8_t big[6] = {0, 0x01, 0x02, 0x03, 2, 7};
    EXPECT_EQ(parse_status_reply(big).poll_timeout_ms, 0x030201u);
    EXPECT_EQ(parse_status_reply(big).string_index, 7);
    try {
        parse_status_reply(photon_dct::ByteView(raw, 5));
        ADD_FAILURE() << "accepted 5 bytes";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::DfuProtocol);
    }
}

TEST(DfuProtocol, StateAndStatusInWordsAsFwupdAppendsThem) {
    EXPECT_EQ(state_and_status({Status::errWRITE, 0, State::dfuERROR, 0}), "[dfuERROR, errWRITE]");
    EXPECT_EQ(state_and_status({Status::OK, 0, State::dfuDNLOAD_IDLE, 0}), "[dfuDNLOAD_IDLE, OK]");
    EXPECT_EQ(state_and_status({static_cast<Status>(99), 0, static_cast<State>(42), 0}),
              "[unknown state 42, unknown status 99]");
}
