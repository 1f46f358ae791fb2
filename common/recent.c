/*
 * The frames of a session's last batches, for a lane that joins
 * (recent.h).
 */
#include <string.h>

#include <event2/buffer.h>

#include "recent.h"

int
recent_init(struct recent *r)
{
	memset(r, 0, sizeof(*r));
	return (r->frames = evbuffer_new()) == NULL ? -1 : 0;
}

void
recent_free(struct recent *r)
{
	if (r->frames != NULL)
		evbuffer_free(r->frames);
	r->frames = NULL;
}

/* Forget the oldest batch. */
static void
recent_drop(struct recent *r)
{
	struct recent_batch	*b = &r->b[r->first];

	evbuffer_drain(r->frames, b->len);
	r->bytes -= b->len;
	r->first = (r->first + 1) % RECENT_MAX_BATCHES;
	r->n--;
}

void
recent_clear(struct recent *r)
{
	while (r->n > 0)
		recent_drop(r);
}

uint64_t
recent_add(struct recent *r, struct evbuffer *f, uint64_t now_us)
{
	struct recent_batch	*b;
	size_t			 len = evbuffer_get_length(f);

	if (r->n == RECENT_MAX_BATCHES)
		recent_drop(r);
	if (evbuffer_add(r->frames, evbuffer_pullup(f, -1), len) == -1)
		return 0;
	b = &r->b[(r->first + r->n) % RECENT_MAX_BATCHES];
	b->id = ++r->last_id;
	b->at_us = now_us;
	b->len = len;
	r->n++;
	r->bytes += len;
	/* The newest stays whatever its age or size. */
	while (r->n > 1 && (r->bytes > RECENT_MAX_BYTES ||
	    now_us - r->b[r->first].at_us > RECENT_MAX_US))
		recent_drop(r);
	return b->id;
}

uint64_t
recent_keep(struct recent *r, int lanes, struct evbuffer *f, uint64_t now_us)
{
	if (lanes > 1)
		return recent_add(r, f, now_us);
	recent_clear(r);
	return 0;
}

int
recent_since(const struct recent *r, uint64_t after, struct evbuffer *out)
{
	struct evbuffer_ptr	 p;
	const struct recent_batch *b;
	unsigned int		 i;
	size_t			 skip = 0, len;
	uint8_t			 buf[4096];
	ev_ssize_t		 got;

	for (i = 0; i < r->n; i++) {
		b = &r->b[(r->first + i) % RECENT_MAX_BATCHES];
		if (b->id > after)
			break;
		skip += b->len;
	}
	if (skip == r->bytes)
		return 0;
	if (evbuffer_ptr_set(r->frames, &p, skip, EVBUFFER_PTR_SET) == -1)
		return -1;
	for (len = r->bytes - skip; len > 0; len -= (size_t)got) {
		got = evbuffer_copyout_from(r->frames, &p, buf,
		    len < sizeof(buf) ? len : sizeof(buf));
		if (got <= 0 || evbuffer_add(out, buf, (size_t)got) == -1 ||
		    evbuffer_ptr_set(r->frames, &p, (size_t)got,
		    EVBUFFER_PTR_ADD) == -1)
			return -1;
	}
	return 0;
}
