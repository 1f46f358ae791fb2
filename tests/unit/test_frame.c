/*
 * Unit tests of the frame codec, version 2: the header's exact wire layout
 * and every reason a header is refused, frame_next over a stream that holds
 * a partial header, a partial body, one frame, several frames or garbage,
 * the expansion of a header's 32 sequence bits to the whole number, and the
 * records inside an opened frame: their head's layout, every reason one is
 * refused and a walk over a batch of them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>

#include "frame.h"

/* The shortest length a header may carry: one empty record and the tag. */
#define TF_MINLEN	(RECORD_HDRLEN + CRYPTO_TAGLEN)

static void	tf_hdr(uint8_t *, uint8_t, uint8_t, uint16_t, uint32_t);
static size_t	tf_rec(uint8_t *, uint8_t, uint32_t, uint16_t, const char *);
static void	tf_unpack_bad(const uint8_t *, const char *);
static void	tf_rec_bad(const uint8_t *, size_t, const char *);
static void	tf_near(uint64_t, uint32_t, int64_t);

/* Build a raw header by hand, independently of frame_hdr_pack. */
static void
tf_hdr(uint8_t *out, uint8_t version, uint8_t reserved, uint16_t length,
    uint32_t seq)
{
	int	 i;

	out[0] = version;
	out[1] = reserved;
	out[2] = (uint8_t)(length >> 8);
	out[3] = (uint8_t)length;
	for (i = 0; i < 4; i++)
		out[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
}

/*
 * Build a raw record by hand, independently of frame_rec_pack: its head
 * with length len and, when data is given, len bytes of it. Returns the
 * record's size.
 */
static size_t
tf_rec(uint8_t *out, uint8_t type, uint32_t flow, uint16_t len,
    const char *data)
{
	int	 i;

	out[0] = type;
	for (i = 0; i < 4; i++)
		out[1 + i] = (uint8_t)(flow >> (24 - 8 * i));
	out[5] = (uint8_t)(len >> 8);
	out[6] = (uint8_t)len;
	if (data != NULL)
		memcpy(out + RECORD_HDRLEN, data, len);
	return RECORD_HDRLEN + (size_t)len;
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

/* The record at the front of len bytes must be refused with this reason. */
static void
tf_rec_bad(const uint8_t *p, size_t len, const char *reason)
{
	struct frame_rec	 r;
	const char		*why = NULL;

	assert_int_equal(frame_rec_next(p, len, &r, &why), -1);
	assert_non_null(why);
	assert_string_equal(why, reason);
}

/* The wire format's sizes, as the protocol fixes them. */
static void
test_sizes(void **state)
{
	(void)state;
	assert_int_equal(FRAME_VERSION, 2);
	assert_int_equal(FRAME_HDRLEN, 8);
	assert_int_equal(RECORD_HDRLEN, 7);
	assert_int_equal(FRAME_MAXLEN, 65535);
	assert_int_equal(FRAME_MAXRECS, 65535 - 16);
	assert_int_equal(FRAME_MAXDATA, 65535 - 16 - 7);
}

/* Packing writes big-endian fields at fixed offsets and a zero byte. */
static void
test_hdr_pack_layout(void **state)
{
	static const uint8_t	 want[FRAME_HDRLEN] = {
		0x02, 0x00, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef
	};
	struct frame_hdr	 h = { FRAME_VERSION, 0x1234, 0xdeadbeefU };
	uint8_t			 out[FRAME_HDRLEN];

	(void)state;
	memset(out, 0xaa, sizeof(out));
	frame_hdr_pack(&h, out);
	assert_memory_equal(out, want, sizeof(want));
}

/* Extreme field values: pack(h) is the hand-built bytes, unpack gives h. */
static void
test_hdr_round_trip(void **state)
{
	static const struct frame_hdr cases[] = {
		{ 2, TF_MINLEN, 0 },
		{ 2, TF_MINLEN + 1, 1 },
		{ 2, 0x1234, 0xdeadbeefU },
		{ 2, 0x0100, 0x80000000U },
		{ 2, 0x00ff, 0x7fffffffU },
		{ 2, FRAME_MAXLEN, 0xffffffffU },
	};
	struct frame_hdr	 got;
	uint8_t			 raw[FRAME_HDRLEN], hand[FRAME_HDRLEN];
	const char		*why;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(raw, 0xaa, sizeof(raw));
		frame_hdr_pack(&cases[i], raw);
		tf_hdr(hand, 2, 0, cases[i].length, cases[i].seq);
		assert_memory_equal(raw, hand, FRAME_HDRLEN);
		why = NULL;
		memset(&got, 0x55, sizeof(got));
		assert_int_equal(frame_hdr_unpack(hand, &got, &why), 0);
		assert_null(why);
		assert_int_equal(got.version, 2);
		assert_int_equal(got.length, cases[i].length);
		assert_true(got.seq == cases[i].seq);
	}
}

/* Versions other than 2 are refused, version 1's old header among them. */
static void
test_hdr_bad_version(void **state)
{
	static const uint8_t	 v1[FRAME_HDRLEN] = {
		/* version 1: version, type (SIP), length 100, flow... */
		0x01, 0x01, 0x00, 0x64, 0x00, 0x00, 0x00, 0x01
	};
	uint8_t			 raw[FRAME_HDRLEN];

	(void)state;
	tf_unpack_bad(v1, "unsupported frame version");
	tf_hdr(raw, 0, 0, 100, 1);
	tf_unpack_bad(raw, "unsupported frame version");
	tf_hdr(raw, 1, 0, 100, 1);
	tf_unpack_bad(raw, "unsupported frame version");
	tf_hdr(raw, 3, 0, 100, 1);
	tf_unpack_bad(raw, "unsupported frame version");
	tf_hdr(raw, 0xff, 0, 100, 1);
	tf_unpack_bad(raw, "unsupported frame version");
}

/* Any bit of the reserved byte set is refused, each one alone. */
static void
test_hdr_reserved(void **state)
{
	uint8_t	 raw[FRAME_HDRLEN];
	int	 bit;

	(void)state;
	for (bit = 0; bit < 8; bit++) {
		tf_hdr(raw, 2, (uint8_t)(1 << bit), 100, 1);
		tf_unpack_bad(raw, "reserved frame bits set");
	}
	tf_hdr(raw, 2, 0xff, 100, 1);
	tf_unpack_bad(raw, "reserved frame bits set");
}

/* A length that cannot hold a record head and the tag is refused. */
static void
test_hdr_short_length(void **state)
{
	struct frame_hdr	 h;
	uint8_t			 raw[FRAME_HDRLEN];
	const char		*why = NULL;

	(void)state;
	tf_hdr(raw, 2, 0, 0, 1);
	tf_unpack_bad(raw, "frame shorter than a record and its tag");
	/* A tag alone: version 1's empty payload, now too short. */
	tf_hdr(raw, 2, 0, CRYPTO_TAGLEN, 1);
	tf_unpack_bad(raw, "frame shorter than a record and its tag");
	tf_hdr(raw, 2, 0, TF_MINLEN - 1, 1);
	tf_unpack_bad(raw, "frame shorter than a record and its tag");
	/* Exactly an empty record and its tag is valid. */
	tf_hdr(raw, 2, 0, TF_MINLEN, 1);
	assert_int_equal(frame_hdr_unpack(raw, &h, &why), 0);
	assert_null(why);
	assert_int_equal(h.length, TF_MINLEN);
}

/* Fewer than 8 bytes: need more, whatever they hold. */
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
	tf_hdr(raw, 2, 0, 40, 1);
	for (i = 0; i < FRAME_HDRLEN - 1; i++) {
		evbuffer_add(b, raw + i, 1);
		assert_int_equal(frame_next(b, &h, &why), 0);
		assert_int_equal(evbuffer_get_length(b), i + 1);
	}
	evbuffer_free(b);

	/* Even garbage is not judged before the header is whole. */
	assert_non_null(b = evbuffer_new());
	evbuffer_add(b, "\xff\xff\xff\xff\xff\xff\xff", FRAME_HDRLEN - 1);
	assert_int_equal(frame_next(b, &h, &why), 0);
	assert_null(why);
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
	tf_hdr(raw, 2, 0, sizeof(body), 5);
	evbuffer_add(b, raw, sizeof(raw));
	for (i = 0; i < sizeof(body); i++) {
		assert_int_equal(frame_next(b, &h, &why), 0);
		/* The header was parsed even though the frame is not whole. */
		assert_int_equal(h.length, sizeof(body));
		assert_int_equal(evbuffer_get_length(b), FRAME_HDRLEN + i);
		evbuffer_add(b, body + i, 1);
	}
	assert_int_equal(frame_next(b, &h, &why), 1);
	assert_null(why);
	assert_int_equal(evbuffer_get_length(b), FRAME_HDRLEN + sizeof(body));
	evbuffer_free(b);
}

/* Exactly one frame: 1, header parsed, nothing consumed. */
static void
test_next_exact(void **state)
{
	struct evbuffer		*b;
	struct frame_hdr	 h;
	uint8_t			 frame[FRAME_HDRLEN + 30];
	const char		*why = NULL;

	(void)state;
	tf_hdr(frame, 2, 0, 30, 0x11223344U);
	memset(frame + FRAME_HDRLEN, 0x5a, 30);
	assert_non_null(b = evbuffer_new());
	/* Header split across two chains of the buffer. */
	evbuffer_add(b, frame, 5);
	evbuffer_add(b, frame + 5, sizeof(frame) - 5);
	assert_int_equal(frame_next(b, &h, &why), 1);
	assert_null(why);
	assert_int_equal(h.version, 2);
	assert_int_equal(h.length, 30);
	assert_true(h.seq == 0x11223344U);
	assert_int_equal(evbuffer_get_length(b), sizeof(frame));
	/* Asking again gives the same answer: it only peeks. */
	assert_int_equal(frame_next(b, &h, &why), 1);
	assert_int_equal(evbuffer_get_length(b), sizeof(frame));
	evbuffer_free(b);
}

/* Three frames back to back, each found in turn, then a partial fourth. */
static void
test_next_several_frames(void **state)
{
	static const uint16_t	 lens[] = { TF_MINLEN, 30, 300 };
	struct evbuffer		*b;
	struct frame_hdr	 h;
	uint8_t			 f[FRAME_HDRLEN + 300];
	const char		*why = NULL;
	size_t			 i;

	(void)state;
	assert_non_null(b = evbuffer_new());
	for (i = 0; i < 3; i++) {
		tf_hdr(f, 2, 0, lens[i], (uint32_t)(i + 1));
		memset(f + FRAME_HDRLEN, (int)i, lens[i]);
		evbuffer_add(b, f, FRAME_HDRLEN + lens[i]);
	}
	tf_hdr(f, 2, 0, 50, 4);
	evbuffer_add(b, f, FRAME_HDRLEN + 10);

	for (i = 0; i < 3; i++) {
		assert_int_equal(frame_next(b, &h, &why), 1);
		assert_int_equal(h.length, lens[i]);
		assert_true(h.seq == i + 1);
		evbuffer_drain(b, FRAME_HDRLEN + h.length);
	}
	assert_int_equal(frame_next(b, &h, &why), 0);
	assert_int_equal(h.length, 50);
	assert_int_equal(evbuffer_get_length(b), FRAME_HDRLEN + 10);
	evbuffer_free(b);
}

/* Garbage at the front of the stream is refused with the header's reason. */
static void
test_next_garbage(void **state)
{
	struct evbuffer		*b;
	struct frame_hdr	 h;
	uint8_t			 raw[FRAME_HDRLEN + TF_MINLEN + 8];
	const char		*why;

	(void)state;
	assert_non_null(b = evbuffer_new());
	evbuffer_add(b, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27);
	why = NULL;
	assert_int_equal(frame_next(b, &h, &why), -1);
	assert_string_equal(why, "unsupported frame version");
	assert_int_equal(evbuffer_get_length(b), 27);
	evbuffer_free(b);

	/* Reserved bits are refused at once, not once the body is in. */
	assert_non_null(b = evbuffer_new());
	tf_hdr(raw, 2, 0x40, 100, 1);
	evbuffer_add(b, raw, FRAME_HDRLEN);
	why = NULL;
	assert_int_equal(frame_next(b, &h, &why), -1);
	assert_string_equal(why, "reserved frame bits set");
	evbuffer_free(b);

	/* So is a length too short for a record. */
	assert_non_null(b = evbuffer_new());
	tf_hdr(raw, 2, 0, TF_MINLEN - 1, 1);
	evbuffer_add(b, raw, FRAME_HDRLEN);
	why = NULL;
	assert_int_equal(frame_next(b, &h, &why), -1);
	assert_string_equal(why, "frame shorter than a record and its tag");
	evbuffer_free(b);

	/* A valid frame followed by garbage: the garbage shows next. */
	assert_non_null(b = evbuffer_new());
	tf_hdr(raw, 2, 0, TF_MINLEN, 1);
	memset(raw + FRAME_HDRLEN, 0, TF_MINLEN);
	memset(raw + FRAME_HDRLEN + TF_MINLEN, 0xee, 8);
	evbuffer_add(b, raw, sizeof(raw));
	assert_int_equal(frame_next(b, &h, &why), 1);
	evbuffer_drain(b, FRAME_HDRLEN + h.length);
	why = NULL;
	assert_int_equal(frame_next(b, &h, &why), -1);
	assert_string_equal(why, "unsupported frame version");
	evbuffer_free(b);
}

/*
 * The biggest length the field can hold is a valid, complete frame, whose
 * opened payload holds one record of the biggest size a record may have.
 */
static void
test_next_max_frame(void **state)
{
	struct evbuffer		*b;
	struct frame_hdr	 h;
	struct frame_rec	 r;
	uint8_t			 raw[FRAME_HDRLEN];
	static uint8_t		 body[FRAME_MAXLEN];
	const char		*why = NULL;

	(void)state;
	assert_non_null(b = evbuffer_new());
	tf_hdr(raw, 2, 0, 0xffff, 0xffffffffU);
	evbuffer_add(b, raw, sizeof(raw));
	evbuffer_add(b, body, sizeof(body) - 1);
	assert_int_equal(frame_next(b, &h, &why), 0);
	evbuffer_add(b, body, 1);
	assert_int_equal(frame_next(b, &h, &why), 1);
	assert_null(why);
	assert_int_equal(h.length, FRAME_MAXLEN);
	assert_true(h.seq == 0xffffffffU);
	assert_int_equal(evbuffer_get_length(b), FRAME_HDRLEN + FRAME_MAXLEN);
	evbuffer_free(b);

	/* Opened, it is FRAME_MAXRECS bytes: room for FRAME_MAXDATA of data. */
	tf_rec(body, FRAME_RTP, 9, FRAME_MAXDATA, NULL);
	assert_int_equal(frame_rec_next(body, FRAME_MAXRECS, &r, &why), 0);
	assert_null(why);
	assert_int_equal(r.len, FRAME_MAXDATA);
	tf_rec(body, FRAME_RTP, 9, FRAME_MAXDATA + 1, NULL);
	tf_rec_bad(body, FRAME_MAXRECS, "record longer than its frame");
}

/* The number nearest last with these low bits, for a frame of a lane. */
static void
tf_near(uint64_t last, uint32_t low, int64_t want)
{
	uint64_t	 seq = 0;

	if (want < 0) {
		assert_int_equal(frame_seq_near(last, low, &seq), -1);
		return;
	}
	assert_int_equal(frame_seq_near(last, low, &seq), 0);
	assert_true(seq == (uint64_t)want);
}

/*
 * Another lane's frame may be behind the last one delivered (a copy that
 * came late) or ahead: the nearest whole number either way, never 0.
 */
static void
test_seq_near(void **state)
{
	(void)state;
	/* Ahead, in one epoch: the next numbers. */
	tf_near(0, 1, 1);
	tf_near(5, 9, 9);
	tf_near(0x300000005ULL, 6, 0x300000006LL);
	tf_near(0x300000005ULL, 0x7fffffffU, 0x37fffffffLL);
	/* 2^31 ahead is the furthest a frame may be. */
	tf_near(0, 0x80000000U, 0x80000000LL);
	tf_near(0x100000010ULL, 0x80000010U, 0x180000010LL);
	/* Low bits past 2^32 wrap into the next epoch, several in a row. */
	tf_near(0xffffffffULL, 0, 0x100000000LL);
	tf_near(0xfffffffeULL, 1, 0x100000001LL);
	tf_near(0x1c0000000ULL, 0x10, 0x200000010LL);
	tf_near(0x1ffffffffULL, 0, 0x200000000LL);
	tf_near(0x2ffffffffULL, 0, 0x300000000LL);
	/* The last one again, or behind it. */
	tf_near(7, 7, 7);
	tf_near(100, 99, 99);
	tf_near(100, 1, 1);
	tf_near(0x100000003ULL, 0xfffffff0U, 0xfffffff0LL);
	tf_near(0x100000010ULL, 0x80000011U, 0x80000011LL);
	/* Nothing before the first frame. */
	tf_near(0, 0, -1);
	tf_near(100, 0, -1);
	tf_near(100, 0xffffff00U, -1);
	tf_near(5, 0x80000006U, -1);
}

/* Packing a record's head writes big-endian fields at fixed offsets. */
static void
test_rec_pack_layout(void **state)
{
	static const uint8_t	 want[RECORD_HDRLEN] = {
		0x02, 0xde, 0xad, 0xbe, 0xef, 0x12, 0x34
	};
	struct frame_rec	 r = { FRAME_RTP, 0xdeadbeefU, 0x1234 };
	uint8_t			 out[RECORD_HDRLEN];

	(void)state;
	memset(out, 0xaa, sizeof(out));
	frame_rec_pack(&r, out);
	assert_memory_equal(out, want, sizeof(want));
}

/* Every type, extreme values: pack(r) is the hand-built head, unpack r. */
static void
test_rec_round_trip(void **state)
{
	static const struct frame_rec cases[] = {
		{ FRAME_SIP, 0, 0 },
		{ FRAME_RTP, 0x01020304U, 160 },
		{ FRAME_RTCP, 0x80000000U, 0x0100 },
		{ FRAME_KEEPALIVE, 0, 0 },
		{ FRAME_CONTROL, 0, 9 },
		{ FRAME_HOOK, FRAME_FLOW_DIRECT, FRAME_MAXDATA },
		{ FRAME_RTPZ, 0x01020304U, 161 },
		{ FRAME_SIP, FRAME_FLOW_DIRECT, 0xffff },
	};
	struct frame_rec	 got;
	uint8_t			 raw[RECORD_HDRLEN], hand[RECORD_HDRLEN];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(raw, 0xaa, sizeof(raw));
		frame_rec_pack(&cases[i], raw);
		tf_rec(hand, cases[i].type, cases[i].flow, cases[i].len, NULL);
		assert_memory_equal(raw, hand, RECORD_HDRLEN);
		memset(&got, 0x55, sizeof(got));
		frame_rec_unpack(hand, &got);
		assert_int_equal(got.type, cases[i].type);
		assert_int_equal(got.flow, cases[i].flow);
		assert_int_equal(got.len, cases[i].len);
	}
}

/* A head cut short is refused, whatever the bytes that are there. */
static void
test_rec_next_truncated(void **state)
{
	uint8_t	 p[RECORD_HDRLEN];
	size_t	 len;

	(void)state;
	tf_rec(p, FRAME_SIP, 1, 0, NULL);
	for (len = 0; len < RECORD_HDRLEN; len++)
		tf_rec_bad(p, len, "truncated record head");
}

/* Types 0 and 8 (just outside 1..7) and 255 are refused. */
static void
test_rec_next_bad_type(void **state)
{
	uint8_t	 p[RECORD_HDRLEN + 4];

	(void)state;
	tf_rec(p, 0, 1, 4, "abcd");
	tf_rec_bad(p, sizeof(p), "unknown record type");
	tf_rec(p, 8, 1, 4, "abcd");
	tf_rec_bad(p, sizeof(p), "unknown record type");
	tf_rec(p, 0xff, 1, 4, "abcd");
	tf_rec_bad(p, sizeof(p), "unknown record type");
}

/* A length past the end of the frame is refused; exactly to it is not. */
static void
test_rec_next_too_long(void **state)
{
	struct frame_rec	 r;
	uint8_t			 p[RECORD_HDRLEN + 10];
	const char		*why = NULL;

	(void)state;
	tf_rec(p, FRAME_RTP, 3, 11, NULL);
	tf_rec_bad(p, sizeof(p), "record longer than its frame");
	tf_rec(p, FRAME_RTP, 3, 0xffff, NULL);
	tf_rec_bad(p, sizeof(p), "record longer than its frame");
	/* A head alone, announcing data that is not there. */
	tf_rec(p, FRAME_SIP, 3, 1, NULL);
	tf_rec_bad(p, RECORD_HDRLEN, "record longer than its frame");

	tf_rec(p, FRAME_RTP, 3, 10, NULL);
	assert_int_equal(frame_rec_next(p, sizeof(p), &r, &why), 0);
	assert_null(why);
	assert_int_equal(r.len, 10);
	/* Shorter than the rest of the frame: the rest is the next record. */
	tf_rec(p, FRAME_RTP, 3, 2, NULL);
	assert_int_equal(frame_rec_next(p, sizeof(p), &r, &why), 0);
	assert_int_equal(r.len, 2);
}

/* Walking a batch of records: each head in turn, ending exactly at the end. */
static void
test_rec_walk(void **state)
{
	static const struct {
		uint8_t		 type;
		uint32_t	 flow;
		const char	*data;
	} recs[] = {
		{ FRAME_SIP, 0x00000007U, "INVITE sip:x SIP/2.0\r\n\r\n" },
		{ FRAME_RTP, 0x01020304U, "rtp payload" },
		{ FRAME_KEEPALIVE, 0, "" },
		{ FRAME_RTCP, 0x01020305U, "rtcp" },
		{ FRAME_CONTROL, 0, "\x05\x00\x00\x00\x00\x00\x00\x00\x2a" },
		{ FRAME_HOOK, FRAME_FLOW_DIRECT, "h" },
		{ FRAME_RTPZ, 0x01020304U, "\x02z" },
	};
	struct frame_rec	 r;
	uint8_t			 buf[256];
	size_t			 n = sizeof(recs) / sizeof(recs[0]);
	size_t			 len = 0, off, i, dlen;
	const char		*why = NULL;

	(void)state;
	for (i = 0; i < n; i++) {
		dlen = recs[i].type == FRAME_CONTROL ? 9 :
		    strlen(recs[i].data);
		len += tf_rec(buf + len, recs[i].type, recs[i].flow,
		    (uint16_t)dlen, recs[i].data);
	}
	for (i = 0, off = 0; off < len; i++, off += RECORD_HDRLEN + r.len) {
		assert_true(i < n);
		assert_int_equal(frame_rec_next(buf + off, len - off, &r,
		    &why), 0);
		assert_null(why);
		dlen = recs[i].type == FRAME_CONTROL ? 9 :
		    strlen(recs[i].data);
		assert_int_equal(r.type, recs[i].type);
		assert_int_equal(r.flow, recs[i].flow);
		assert_int_equal(r.len, dlen);
		if (dlen > 0)
			assert_memory_equal(buf + off + RECORD_HDRLEN,
			    recs[i].data, dlen);
	}
	assert_int_equal(i, n);
	assert_int_equal(off, len);

	/* Cut the last record's data short: the walk stops there. */
	for (i = 0, off = 0; i < n - 1; i++, off += RECORD_HDRLEN + r.len)
		assert_int_equal(frame_rec_next(buf + off, len - 1 - off, &r,
		    &why), 0);
	tf_rec_bad(buf + off, len - 1 - off, "record longer than its frame");

	/* Three stray bytes after the last record: a truncated head. */
	memset(buf + len, 0, 3);
	tf_rec_bad(buf + len, 3, "truncated record head");
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
	assert_string_equal(frame_type_name(FRAME_RTPZ), "rtpz");
	assert_string_equal(frame_type_name(8), "invalid");
	assert_string_equal(frame_type_name(0xffffffffU), "invalid");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_hdr_pack_layout),
		cmocka_unit_test(test_hdr_round_trip),
		cmocka_unit_test(test_hdr_bad_version),
		cmocka_unit_test(test_hdr_reserved),
		cmocka_unit_test(test_hdr_short_length),
		cmocka_unit_test(test_next_partial_header),
		cmocka_unit_test(test_next_partial_body),
		cmocka_unit_test(test_next_exact),
		cmocka_unit_test(test_next_several_frames),
		cmocka_unit_test(test_next_garbage),
		cmocka_unit_test(test_next_max_frame),
		cmocka_unit_test(test_seq_near),
		cmocka_unit_test(test_rec_pack_layout),
		cmocka_unit_test(test_rec_round_trip),
		cmocka_unit_test(test_rec_next_truncated),
		cmocka_unit_test(test_rec_next_bad_type),
		cmocka_unit_test(test_rec_next_too_long),
		cmocka_unit_test(test_rec_walk),
		cmocka_unit_test(test_type_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
