/*
 * The systemd notification protocol through libsystemd's sd_notify(3):
 * readiness, reloads, shutdown, a status line and the watchdog. The
 * status line is rebuilt every NOTIFY_STATUS_PERIOD seconds and sent only
 * when it changed, so an idle daemon sends nothing; the watchdog is petted
 * from an event of the loop, so a loop that is stuck stops petting and
 * systemd restarts the daemon.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <systemd/sd-daemon.h>

#include "log.h"
#include "notify.h"

static void	notify_send(const char *);
static void	notify_tick(evutil_socket_t, short, void *);
static void	notify_pet(evutil_socket_t, short, void *);

static struct {
	notify_status_fn	 status;
	void			*arg;
	struct event		*status_ev;
	struct event		*watchdog_ev;
	char			 sent[NOTIFY_STATUS_MAX];  /* last STATUS= */
	char			 note[NOTIFY_STATUS_MAX];  /* reload refused */
	int			 failed;	/* a send failed: said once */
} notify;

/* Send one message; the first failure is logged, later ones are not. */
static void
notify_send(const char *msg)
{
	int	 rc;

	if ((rc = sd_notify(0, msg)) < 0 && !notify.failed) {
		notify.failed = 1;
		errno = -rc;
		log_warn("sd_notify");
	}
}

/*
 * The STATUS= line: a note first when there is one ("reload refused:
 * ...; 2 tunnels, ..."), cut to fit. 0, or -1 when it had to be cut.
 */
int
notify_status_line(char *buf, size_t len, const char *note, const char *now)
{
	int	 n;

	if (note != NULL && note[0] != '\0')
		n = snprintf(buf, len, "%s; %s", note, now);
	else
		n = snprintf(buf, len, "%s", now);
	if (n < 0 || (size_t)n >= len)
		return -1;
	return 0;
}

/* Rebuild the status line; send it when it differs from the last one. */
void
notify_status_update(void)
{
	char	 now[NOTIFY_STATUS_MAX], line[NOTIFY_STATUS_MAX];
	char	 msg[NOTIFY_STATUS_MAX + 8];

	if (notify.status == NULL)
		return;
	now[0] = '\0';
	notify.status(notify.arg, now, sizeof(now));
	(void)notify_status_line(line, sizeof(line), notify.note, now);
	if (strcmp(line, notify.sent) == 0)
		return;
	memcpy(notify.sent, line, sizeof(notify.sent));
	snprintf(msg, sizeof(msg), "STATUS=%s", line);
	notify_send(msg);
}

/* The status timer. */
static void
notify_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	notify_status_update();
}

/* The watchdog timer: the loop still turns. */
static void
notify_pet(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	notify_send("WATCHDOG=1");
}

/*
 * Start the status timer when systemd listens, and the watchdog timer at
 * half of WATCHDOG_USEC when sd_watchdog_enabled says this process is
 * watched. 0, or -1 with a log line.
 */
int
notify_init(struct event_base *base, notify_status_fn status, void *arg)
{
	struct timeval	 tv;
	uint64_t	 usec = 0;
	const char	*sock = getenv("NOTIFY_SOCKET");
	int		 rc;

	notify.status = status;
	notify.arg = arg;
	if (sock == NULL || sock[0] == '\0')
		return 0;
	tv.tv_sec = NOTIFY_STATUS_PERIOD;
	tv.tv_usec = 0;
	if ((notify.status_ev = event_new(base, -1, EV_PERSIST, notify_tick,
	    NULL)) == NULL || event_add(notify.status_ev, &tv) == -1) {
		log_warnx("%s: cannot start the status timer", __func__);
		return -1;
	}
	if ((rc = sd_watchdog_enabled(0, &usec)) < 0) {
		errno = -rc;
		log_warn("WATCHDOG_USEC");
		return -1;
	}
	if (rc == 0)
		return 0;
	usec /= 2;
	tv.tv_sec = (time_t)(usec / 1000000);
	tv.tv_usec = (suseconds_t)(usec % 1000000);
	if ((notify.watchdog_ev = event_new(base, -1, EV_PERSIST, notify_pet,
	    NULL)) == NULL || event_add(notify.watchdog_ev, &tv) == -1) {
		log_warnx("%s: cannot start the watchdog timer", __func__);
		return -1;
	}
	log_info("systemd watchdog: petted every %" PRIu64 " ms",
	    usec / 1000);
	return 0;
}

/* Stop the timers. */
void
notify_free(void)
{
	if (notify.status_ev != NULL)
		event_free(notify.status_ev);
	if (notify.watchdog_ev != NULL)
		event_free(notify.watchdog_ev);
	notify.status_ev = notify.watchdog_ev = NULL;
}

/* Every socket listens: READY=1 with the first status line. */
void
notify_ready(void)
{
	notify_send("READY=1");
	notify_status_update();
}

/*
 * A reload begins. MONOTONIC_USEC lets systemd 253 and later
 * (Type=notify-reload) tell this reload from an earlier one.
 */
void
notify_reloading(void)
{
	struct timespec	 ts;
	char		 msg[64];

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%" PRIu64,
	    (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
	notify_send(msg);
}

/*
 * A reload ended: taken (refused NULL), or refused and the old
 * configuration kept, which the status line says until a reload succeeds.
 */
void
notify_reloaded(const char *refused)
{
	char	*p;

	if (refused != NULL)
		snprintf(notify.note, sizeof(notify.note), "reload refused: %s",
		    refused);
	else
		notify.note[0] = '\0';
	/* One line: the reason may quote the file. */
	for (p = notify.note; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	notify_status_update();
	notify_send("READY=1");
}

/* Shutting down. */
void
notify_stopping(void)
{
	notify_send("STOPPING=1\nSTATUS=stopping");
}
