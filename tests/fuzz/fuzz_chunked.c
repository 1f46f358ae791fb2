/*
 * libFuzzer target for the chunked decoder. The first byte sets the size
 * of the pieces the body arrives in, the second the max bound per call;
 * the rest is the body. Decoding it whole and unbounded must give the
 * same result, the same data and the same leftover as decoding it piece
 * by piece with the bound: how bytes arrive must not change what they say.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "http.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_chunked	 c1, c2;
	struct evbuffer		*in1, *out1, *in2, *out2;
	size_t			 piece, max, off = 0, n, before, left1, left2;
	int			 rc1, rc2 = 0;

	if (size < 2)
		return 0;
	piece = (size_t)data[0] + 1;
	max = (size_t)data[1] + 1;
	data += 2;
	size -= 2;
	if ((in1 = evbuffer_new()) == NULL || (out1 = evbuffer_new()) == NULL ||
	    (in2 = evbuffer_new()) == NULL || (out2 = evbuffer_new()) == NULL)
		abort();

	/* Whole and unbounded: one call says it all. */
	evbuffer_add(in1, data, size);
	http_chunked_init(&c1);
	rc1 = http_chunked_decode(&c1, in1, out1, SIZE_MAX);
	if (rc1 < -1 || rc1 > 1 || evbuffer_get_length(out1) > size)
		abort();
	left1 = evbuffer_get_length(in1);

	/* Piece by piece, at most max bytes a call, until it ends. */
	http_chunked_init(&c2);
	while (rc2 == 0) {
		do {
			before = evbuffer_get_length(in2);
			n = evbuffer_get_length(out2);
			rc2 = http_chunked_decode(&c2, in2, out2, max);
			if (evbuffer_get_length(out2) - n > max)
				abort();
		} while (rc2 == 0 && evbuffer_get_length(in2) < before);
		if (rc2 != 0 || off == size)
			break;
		n = size - off < piece ? size - off : piece;
		evbuffer_add(in2, data + off, n);
		off += n;
	}
	left2 = evbuffer_get_length(in2) + (size - off);

	if (rc1 != rc2 ||
	    evbuffer_get_length(out1) != evbuffer_get_length(out2) ||
	    (evbuffer_get_length(out1) > 0 && memcmp(evbuffer_pullup(out1, -1),
	    evbuffer_pullup(out2, -1), evbuffer_get_length(out1)) != 0))
		abort();
	/* Where the body ended, both leave the same bytes behind. */
	if (rc1 == 1 && left1 != left2)
		abort();

	evbuffer_free(in1);
	evbuffer_free(out1);
	evbuffer_free(in2);
	evbuffer_free(out2);
	return 0;
}
