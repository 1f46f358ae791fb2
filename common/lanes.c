/*
 * When a session writes its frames into the lanes beyond the first:
 * always, or while the path loses segments (lanes.h).
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/tcp.h>

#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>

#include "json.h"
#include "lanes.h"
#include "recent.h"

void
lanes_init(struct lanes *l, enum lanes_copies mode)
{
	memset(l, 0, sizeof(*l));
	l->mode = mode;
}

int
lanes_copying(const struct lanes *l, time_t now)
{
	return l->mode == LANES_COPY_ALWAYS || now < l->until;
}

void
lanes_loss(struct lanes *l, time_t now, int told)
{
	l->last_loss = now;
	l->until = now + LANES_LOSS_HOLD;
	if (told)
		l->told++;
	else
		l->losses++;
}

int
lanes_pick(const struct lanes *l, time_t now, const struct lanes_outlet *o,
    int n, size_t high_water, int idle, int *take)
{
	int	 i, k = 0, copying = lanes_copying(l, now);

	for (i = 0; i < n; i++) {
		if (o[i].pending >= high_water)
			continue;
		if (k == 0 || copying || (idle > 0 && now - o[i].wrote >= idle))
			take[k++] = i;
	}
	return k;
}

size_t
lanes_pending(const struct lanes *l, time_t now, const struct lanes_outlet *o,
    int n, size_t high_water)
{
	size_t	 all = SIZE_MAX, taking = SIZE_MAX;
	int	 i, k = 0, copying = lanes_copying(l, now);

	for (i = 0; i < n; i++) {
		if (o[i].pending < all)
			all = o[i].pending;
		if (o[i].pending >= high_water || (k > 0 && !copying))
			continue;
		k++;
		if (o[i].pending < taking)
			taking = o[i].pending;
	}
	return k > 0 ? taking : all;
}

int
lanes_tcp_lost(int fd, struct lanes_tcp *t)
{
	struct tcp_info	 ti;
	socklen_t	 len = sizeof(ti);

	/* A kernel older than the fields leaves them 0: no loss seen. */
	memset(&ti, 0, sizeof(ti));
	if (fd < 0 || getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1)
		return -1;
	return lanes_tcp_judge(t, ti.tcpi_total_retrans, ti.tcpi_dsack_dups,
	    ti.tcpi_rcv_ooopack);
}

int
lanes_tcp_judge(struct lanes_tcp *t, uint32_t retrans, uint32_t dsacks,
    uint32_t ooo)
{
	int	 lost;

	/*
	 * What was sent again between the last two looks is loss unless
	 * D-SACKs have since called as many duplicates. Counting the
	 * D-SACKs from the look before those up to now lets a probe whose
	 * D-SACK came in the same interval pass too, and so a probe every
	 * second, each seen before its D-SACK. Counters wrap as unsigned:
	 * differences only.
	 */
	lost = ooo != t->ooo || t->rose > dsacks - t->dsacks_before;
	t->rose = retrans - t->retrans;
	t->retrans = retrans;
	t->dsacks_before = t->dsacks;
	t->dsacks = dsacks;
	t->ooo = ooo;
	return lost;
}

const char *
lanes_copies_name(enum lanes_copies mode)
{
	return mode == LANES_COPY_ALWAYS ? "always" : "on-loss";
}

struct evbuffer *
lanes_batch(const struct recent *r, uint64_t id, uint64_t took, int last,
    struct evbuffer *f, struct evbuffer *copy)
{
	int	 rc;

	if (id != 0 && took + 1 < id)
		rc = recent_since(r, took, copy);
	else if (!last)
		rc = evbuffer_add(copy, evbuffer_pullup(f, -1),
		    evbuffer_get_length(f));
	else
		return f;
	if (rc == -1) {
		evbuffer_drain(copy, evbuffer_get_length(copy));
		return NULL;
	}
	return copy;
}

const char *
lanes_describe(const struct lanes *l, time_t now, char *buf, size_t len)
{
	if (l->last_loss == 0)
		snprintf(buf, len, "%s; no loss seen",
		    lanes_copying(l, now) ? "copying" : "not copying");
	else
		snprintf(buf, len, "%s; loss %lld s ago (seen here in %llu "
		    "s, told %llu times)", lanes_copying(l, now) ? "copying" :
		    "not copying", (long long)(now - l->last_loss),
		    (unsigned long long)l->losses,
		    (unsigned long long)l->told);
	return buf;
}

void
lanes_json(struct json *j, const struct lanes *l, time_t now)
{
	json_string(j, "copies", lanes_copies_name(l->mode));
	json_bool(j, "copying", lanes_copying(l, now));
	json_uint(j, "loss_seen", l->losses);
	json_uint(j, "loss_told", l->told);
	if (l->last_loss != 0)
		json_int(j, "loss_ago_s", (long long)(now - l->last_loss));
	else
		json_null(j, "loss_ago_s");
}
