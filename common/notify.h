/*
 * Telling systemd how the daemon is doing (sd_notify(3), Type=notify):
 * READY=1 once every socket listens, RELOADING=1 then READY=1 around a
 * SIGHUP, STOPPING=1, a one-line STATUS= kept current, and WATCHDOG=1 from
 * the event loop while WatchdogSec= asks for it. Without $NOTIFY_SOCKET
 * every call does nothing.
 */
#ifndef VOFW_NOTIFY_H
#define VOFW_NOTIFY_H

#include <stddef.h>

struct event_base;

/* Writes the daemon's one-line status ("2 tunnels, 14 calls, ...") to buf. */
typedef void	(*notify_status_fn)(void *, char *buf, size_t len);

#define NOTIFY_STATUS_MAX	512
#define NOTIFY_STATUS_PERIOD	2	/* seconds between status checks */

int	 notify_init(struct event_base *, notify_status_fn, void *arg);
void	 notify_free(void);
void	 notify_ready(void);
void	 notify_reloading(void);
void	 notify_reloaded(const char *refused);
void	 notify_stopping(void);
void	 notify_status_update(void);
int	 notify_status_line(char *, size_t, const char *note, const char *now);

#endif
