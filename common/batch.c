/*
 * The tunnel's batch wait, from the voice rate of the last window
 * (batch.h says why). A window's mean gap between records is a steadier
 * estimate than the gap between the last two: two datagrams read in the
 * same wake-up are 0 µs apart at any load.
 */
#include "batch.h"

/* One voice record of len bytes was queued at now_us. */
void
batch_note(struct batch *b, uint64_t now_us, size_t len)
{
	batch_note_many(b, now_us, 1, len);
}

/* Voice records, bytes in all, came by now_us. */
void
batch_note_many(struct batch *b, uint64_t now_us, uint64_t records,
    uint64_t bytes)
{
	uint64_t	 span;

	if (b->records == 0 && b->start_us == 0)
		b->start_us = now_us;
	span = now_us - b->start_us;
	if (now_us < b->start_us || span >= 2 * BATCH_WINDOW_US) {
		/* A silence longer than a window: the old rate is stale. */
		b->start_us = now_us;
		b->records = 0;
		b->bytes = 0;
		b->gap_us = 0;
	} else if (span >= BATCH_WINDOW_US) {
		b->gap_us = b->records > 0 ? span / b->records : 0;
		b->size = b->records > 0 ? (size_t)(b->bytes / b->records) : 0;
		b->start_us = now_us;
		b->records = 0;
		b->bytes = 0;
	}
	b->records += records;
	b->bytes += bytes;
}

/*
 * How long (µs) the voice now queued (queued bytes, the newest record just
 * noted) should wait for more before it leaves: the time the rate says the
 * rest of batch_bytes takes to arrive, at most max_wait_us; 0 when the
 * batch is full, the rate unknown, or not even one more record is due
 * within max_wait_us.
 */
int
batch_wait_us(const struct batch *b, uint64_t now_us, size_t queued,
    size_t batch_bytes, int max_wait_us)
{
	uint64_t	 due, more;

	if (max_wait_us <= 0 || queued >= batch_bytes || b->gap_us == 0 ||
	    b->size == 0 || now_us - b->start_us >= 2 * BATCH_WINDOW_US)
		return 0;
	if (b->gap_us > (uint64_t)max_wait_us)
		return 0;
	more = (batch_bytes - queued + b->size - 1) / b->size;
	due = more * b->gap_us;
	return due < (uint64_t)max_wait_us ? (int)due : max_wait_us;
}
