/*
 * Unit tests of the frame codec: the header's exact wire layout, every
 * reason a header is refused, and frame_next over a stream that holds a
 * partial header, a partial body, one frame, two frames or garbage.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>

#include "frame.h"

static void	tf_hdr(uint8_t *, uint8_t, uint8_t, uint16_t, uint32_t,
		    uint64_t);
static void	tf_unpack_bad(const uint8_t *, const char *);

/* Build a raw header by hand, independently of frame_hdr_pack. */
static void
tf_hdr(uint8_t *out, uint8_t version, uint8_t type, uint16_t length,
    uint32_t flow, uint64_t seq)
{
	int	 i;

	out[0] = version;
	out[1] = type;
	out[2] = (uint8_t)(length >> 8);
	out[3] = (uint8_t)length;
	for (i = 0; i < 4; i++)
		out[4 + i] = (uint8_t)(flow >> (24 - 8 * i));
	for (i = 0; i < 8; i++)
		out[8 + i] = (uint8_t)(seq >> (56 - 8 * i));
}

/* A header that must be refused with exactly this reason. */
static void
tf_unpack_bad(const uint8_t *raw, const char *reason)
{
	struct frame_hdr	 h;
	const char		*why = NULL;

	assert_int_equal(frame_hdr_unpack(raw, &h, &why), -1);
	assert_non_null(why);
	assert_string_equal(why, reason);
}

/* Packing writes big-endian fields at fixed offsets. */
static void
test_pack_layout(void **state)
{
	static const uint8_t	 want[FRAME_HDRLEN] = {
		0x01, 0x02, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef,
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08
	};
	struct frame_hdr	 h = { FRAME_VERSION, FRAME_RTP, 0x1234,
				    0xdeadbeefU, 0x0102030405060708ULL };
	uint8_t			 out[FRAME_HDRLEN];

	(void)state;
	memset(out, 0xaa, sizeof(out));
	frame_hdr_pack(&h, out);
	assert_memory_equal(out, want, sizeof(want));
}

/* Every valid type, extreme field values: unpack(pack(h)) == h. */
static void
test_pack_unpack_round_trip(void **state)
{
	static const struct frame_hdr cases[] = {
		{ 1, FRAME_SIP, CRYPTO_TAGLEN, 0, 0 },
		{ 1, FRAME_RTP, 0x1234, 0xdeadbeefU, 0x0102030405060708ULL },
		{ 1, FRAME_RTCP, 200, 1, 1 },
		{ 1, FRAME_KEEPALIVE, CRYPTO_TAGLEN, 0xffffffffU,
		    0xffffffffffffffffULL },
		{ 1, FRAME_CONTROL, 17, 0x80000000U, 0x8000000000000000ULL },
		{ 1, FRAME_HOOK, FRAME_MAXLEN, 42, 0x00000000ffffffffULL },
	};
	struct frame_hdr	 got;
	uint8_t			 raw[FRAME_HDRLEN], hand[FRAME_HDRLEN];
	const char		*why;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		frame_hdr_pack(&cases[i], raw);
		tf_hdr(hand, cases[i].version, cases[i].type,
		    cases[i].length, cases[i].flow, cases[i].seq);
		assert_memory_equal(raw, hand, FRAME_HDRLEN);
		why = NULL;
		memset(&got, 0x55, sizeof(got));
		assert_int_equal(frame_hdr_unpack(raw, &got, &why), 0);
		assert_null(why);
		assert_int_equal(got.version, cases[i].version);
		assert_int_equal(got.type, cases[i].type);
		assert_int_equal(got.length, cases[i].length);
		assert_int_equal(got.flow, cases[i].flow);
		assert_true(got.seq == cases[i].seq);
	}
}

/* Versions other than 1 are refused. */
static void
test_unpack_bad_version(void **state)
{
	uint8_t	 raw[FRAME_HDRLEN];

	(void)state;
	tf_hdr(raw, 0, FRAME_SIP, 100, 1, 1);
	tf_unpack_bad(raw, "unsupported frame version");
	tf_hdr(raw, 2, FRAME_SIP, 100, 1, 1);
	tf_unpack_bad(raw, "unsupported frame version");
	tf_hdr(raw, 0xff, FRAME_SIP, 100, 1, 1);
	tf_unpack_bad(raw, "unsupported frame version");
}

/* Types 0 and 7 (just outside 1..6) and 255 are refused. */
static void
test_unpack_bad_type(void **state)
{
	uint8_t	 raw[FRAME_HDRLEN];

	(void)state;
	tf_hdr(raw, 1, 0, 100, 1, 1);
	tf_unpack_bad(raw, "unknown frame type");
	tf_hdr(raw, 1, 7, 100, 1, 1);
	tf_unpack_bad(raw, "unknown frame type");
	tf_hdr(raw, 1, 0xff, 100, 1, 1);
	tf_unpack_bad(raw, "unknown frame type");
}

/* A length below the tag size cannot hold a sealed payload. */
static void
test_unpack_short_length(void **state)
{
	struct frame_hdr	 h;
	uint8_t			 raw[FRAME_HDRLEN];
	const char		*why = NULL;

	(void)state;
	tf_hdr(raw, 1, FRAME_SIP, 0, 1, 1);
	tf_unpack_bad(raw, "frame shorter than its tag");
	tf_hdr(raw, 1, FRAME_SIP, CRYPTO_TAGLEN - 1, 1, 1);
	tf_unpack_bad(raw, "frame shorter than its tag");
	/* Exactly a tag: an empty payload, which is valid. */
	tf_hdr(raw, 1, FRAME_SIP, CRYPTO_TAGLEN, 1, 1);
	assert_int_equal(frame_hdr_unpack(raw, &h, &why), 0);
	assert_int_equal(h.length, CRYPTO_TAGLEN);
}

/* Fewer than 16 bytes: need more, whatever they hold. */
static void
test_next_partial_header(void **state)
{
	struct evbuffer		*b;
	struct frame_hdr	 h;
	uint8_t			 raw[FRAME_HDRLEN];
	const char		*why = NULL;
	size_t			 i;

	(void)state;
	assert_non_null(b = evbuffer_new());
	assert_int_equal(frame_next(b, &h, &why), 0);
	tf_hdr(raw, 1, FRAME_SIP, 20, 9, 1);
	for (i = 0; i < FRAME_HDRLEN - 1; i++) {
		evbuffer_add(b, raw + i, 1);
		assert_int_equal(frame_next(b, &h, &why), 0);
		assert_int_equal(evbuffer_get_length(b), i + 1);
	}
	evbuffer_free(b);

	/* Even garbage is not judged before the header is whole. */
	assert_non_null(b = evbuffer_new());
	evbuffer_add(b, "\xff\xff\xff\xff\xff\xff\xff", 7);
	assert_int_equal(frame_next(b, &h, &why), 0);
	evbuffer_free(b);
}

/* A whole header with the body still arriving: need more until it is in. */
static void
test_next_partial_body(void **state)
{
	struct evbuffer		*b;
	struct frame_hdr	 h;
	uint8_t			 raw[FRAME_HDRLEN], body[40];
	const char		*why = NULL;
	size_t			 i;

	(void)state;
	memset(body, 'x', sizeof(body));
	assert_non_null(b = evbuffer_new());
	tf_hdr(raw, 1, FRAME_RTP, sizeof(body), 77, 5);
	evbuffer_add(b, raw, sizeof(raw));
	for (i = 0; i < sizeof(body); i++) {
		assert_int_equal(frame_next(b, &h, &why), 0);
		/* The header was parsed even though the frame is not whole. */
		assert_int_equal(h.length, sizeof(body));
		evbuffer_add(b, body + i, 1);
	}
	assert_int_equal(frame_next(b, &h, &why), 1);
	assert_int_equal(evbuffer_get_length(b), FRAME_HDRLEN + sizeof(body));
	evbuffer_free(b);
}

/* Exactly one frame: 1, header parsed, nothing consumed. */
static void
test_next_exact(void **state)
{
	struct evbuffer		*b;
	struct frame_hdr	 h;
	uint8_t			 frame[FRAME_HDRLEN + 20];
	const char		*why = NULL;

	(void)state;
	tf_hdr(frame, 1, FRAME_CONTROL, 20, 0x01020304U, 0x1122334455667788ULL);
	memset(frame + FRAME_HDRLEN, 0x5a, 20);
	assert_non_null(b = evbuffer_new());
	/* Header split across two chains of the buffer. */
	evbuffer_add(b, frame, 5);
	evbuffer_add(b, frame + 5, sizeof(frame) - 5);
	assert_int_equal(frame_next(b, &h, &why), 1);
	assert_null(why);
	assert_int_equal(h.version, 1);
	assert_int_equal(h.type, FRAME_CONTROL);
	assert_int_equal(h.length, 20);
	assert_int_equal(h.flow, 0x01020304U);
	assert_true(h.seq == 0x1122334455667788ULL);
	assert_int_equal(evbuffer_get_length(b), sizeof(frame));
	/* Asking again gives the same answer: it only peeks. */
	assert_int_equal(frame_next(b, &h, &why), 1);
	evbuffer_free(b);
}

/* Two frames back to back, then a partial third. */
static void
test_next_two_frames(void **state)
{
	struct evbuffer		*b;
	struct frame_hdr	 h;
	uint8_t			 f1[FRAME_HDRLEN + 16], f2[FRAME_HDRLEN + 30];
	const char		*why = NULL;

	(void)state;
	tf_hdr(f1, 1, FRAME_SIP, 16, 1, 1);
	memset(f1 + FRAME_HDRLEN, 1, 16);
	tf_hdr(f2, 1, FRAME_RTCP, 30, 2, 2);
	memset(f2 + FRAME_HDRLEN, 2, 30);
	assert_non_null(b = evbuffer_new());
	evbuffer_add(b, f1, sizeof(f1));
	evbuffer_add(b, f2, sizeof(f2));
	evbuffer_add(b, f1, 3);

	assert_int_equal(frame_next(b, &h, &why), 1);
	assert_int_equal(h.type, FRAME_SIP);
	assert_int_equal(h.length, 16);
	assert_int_equal(h.flow, 1);
	evbuffer_drain(b, FRAME_HDRLEN + h.length);

	assert_int_equal(frame_next(b, &h, &why), 1);
	assert_int_equal(h.type, FRAME_RTCP);
	assert_int_equal(h.length, 30);
	assert_int_equal(h.flow, 2);
	assert_true(h.seq == 2);
	evbuffer_drain(b, FRAME_HDRLEN + h.length);

	assert_int_equal(frame_next(b, &h, &why), 0);
	assert_int_equal(evbuffer_get_length(b), 3);
	evbuffer_free(b);
}

/* Garbage at the front of the stream is refused with the header's reason. */
static void
test_next_garbage(void **state)
{
	struct evbuffer		*b;
	struct frame_hdr	 h;
	uint8_t			 raw[64];
	const char		*why;

	(void)state;
	assert_non_null(b = evbuffer_new());
	evbuffer_add(b, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27);
	why = NULL;
	assert_int_equal(frame_next(b, &h, &why), -1);
	assert_string_equal(why, "unsupported frame version");
	assert_int_equal(evbuffer_get_length(b), 27);
	evbuffer_free(b);

	assert_non_null(b = evbuffer_new());
	tf_hdr(raw, 1, 9, 100, 1, 1);
	evbuffer_add(b, raw, FRAME_HDRLEN);
	why = NULL;
	assert_int_equal(frame_next(b, &h, &why), -1);
	assert_string_equal(why, "unknown frame type");
	evbuffer_free(b);

	/* A bad length is refused at once, not waited for. */
	assert_non_null(b = evbuffer_new());
	tf_hdr(raw, 1, FRAME_RTP, 3, 1, 1);
	evbuffer_add(b, raw, FRAME_HDRLEN);
	why = NULL;
	assert_int_equal(frame_next(b, &h, &why), -1);
	assert_string_equal(why, "frame shorter than its tag");
	evbuffer_free(b);

	/* A valid frame followed by garbage: the garbage shows next. */
	assert_non_null(b = evbuffer_new());
	tf_hdr(raw, 1, FRAME_RTP, 16, 1, 1);
	memset(raw + FRAME_HDRLEN, 0, 16);
	memset(raw + 32, 0xee, 32);
	evbuffer_add(b, raw, sizeof(raw));
	assert_int_equal(frame_next(b, &h, &why), 1);
	evbuffer_drain(b, FRAME_HDRLEN + h.length);
	why = NULL;
	assert_int_equal(frame_next(b, &h, &why), -1);
	assert_string_equal(why, "unsupported frame version");
	evbuffer_free(b);
}

/* The biggest length the field can hold is a valid, complete frame. */
static void
test_next_max_length(void **state)
{
	struct evbuffer		*b;
	struct frame_hdr	 h;
	uint8_t			 raw[FRAME_HDRLEN];
	static uint8_t		 body[FRAME_MAXLEN];
	const char		*why = NULL;

	(void)state;
	assert_non_null(b = evbuffer_new());
	tf_hdr(raw, 1, FRAME_RTP, FRAME_MAXLEN, 3, 3);
	evbuffer_add(b, raw, sizeof(raw));
	evbuffer_add(b, body, sizeof(body) - 1);
	assert_int_equal(frame_next(b, &h, &why), 0);
	evbuffer_add(b, body, 1);
	assert_int_equal(frame_next(b, &h, &why), 1);
	assert_int_equal(h.length, FRAME_MAXLEN);
	evbuffer_free(b);
}

/* Names for logs, and "invalid" outside the known range. */
static void
test_type_name(void **state)
{
	(void)state;
	assert_string_equal(frame_type_name(0), "invalid");
	assert_string_equal(frame_type_name(FRAME_SIP), "sip");
	assert_string_equal(frame_type_name(FRAME_RTP), "rtp");
	assert_string_equal(frame_type_name(FRAME_RTCP), "rtcp");
	assert_string_equal(frame_type_name(FRAME_KEEPALIVE), "keepalive");
	assert_string_equal(frame_type_name(FRAME_CONTROL), "control");
	assert_string_equal(frame_type_name(FRAME_HOOK), "hook");
	assert_string_equal(frame_type_name(7), "invalid");
	assert_string_equal(frame_type_name(0xffffffffU), "invalid");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pack_layout),
		cmocka_unit_test(test_pack_unpack_round_trip),
		cmocka_unit_test(test_unpack_bad_version),
		cmocka_unit_test(test_unpack_bad_type),
		cmocka_unit_test(test_unpack_short_length),
		cmocka_unit_test(test_next_partial_header),
		cmocka_unit_test(test_next_partial_body),
		cmocka_unit_test(test_next_exact),
		cmocka_unit_test(test_next_two_frames),
		cmocka_unit_test(test_next_garbage),
		cmocka_unit_test(test_next_max_length),
		cmocka_unit_test(test_type_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
