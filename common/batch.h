/*
 * How long voice waits in the tunnel's queue for company: batching that
 * follows the load. A frame that carries several datagrams saves the
 * firewall one TCP/IP header and one frame header per datagram, but only
 * if more voice comes soon: at one call a datagram would wait the whole
 * batch wait for nothing. So the voice rate of the last window is kept,
 * and a datagram waits only as long as the rate says the batch takes to
 * fill, never past the configured wait, and not at all when no second
 * datagram is expected within it.
 */
#ifndef VOFW_BATCH_H
#define VOFW_BATCH_H

#include <stddef.h>
#include <stdint.h>

#define BATCH_WINDOW_US	100000	/* the rate is that of the last 100 ms */

struct batch {
	uint64_t	 start_us;	/* the current window's start */
	uint64_t	 records;	/* voice records in it so far */
	uint64_t	 bytes;		/* and their bytes */
	uint64_t	 gap_us;	/* mean gap of the last whole window,
					   0 before one is known */
	size_t		 size;		/* mean record of that window */
};

void	 batch_note(struct batch *, uint64_t now_us, size_t len);
void	 batch_note_many(struct batch *, uint64_t now_us, uint64_t records,
	    uint64_t bytes);
int	 batch_wait_us(const struct batch *, uint64_t now_us, size_t queued,
	    size_t batch_bytes, int max_wait_us);

#endif
