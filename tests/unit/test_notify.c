/*
 * Unit tests of the systemd notification (notify.c), against a datagram
 * socket standing in for systemd's: the messages of a start, a reload
 * (good and refused), a stop; the status line sent only when it changes
 * and carrying a refusal until a good reload; WATCHDOG=1 from the event
 * loop at half of WATCHDOG_USEC, and none without it.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "notify.h"

static int	tn_listen(char *, size_t);
static int	tn_recv(int, char *, size_t);
static void	tn_status(void *, char *, size_t);

static char	tn_now[NOTIFY_STATUS_MAX] = "0 tunnels";

/* A socket at a fresh path, named by NOTIFY_SOCKET. */
static int
tn_listen(char *path, size_t len)
{
	struct sockaddr_un	 sun;
	int			 fd;

	snprintf(path, len, "/tmp/vofw-test-notify2.%ld", (long)getpid());
	unlink(path);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_true(fd != -1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(setenv("NOTIFY_SOCKET", path, 1), 0);
	return fd;
}

/* The next message, or -1 when none waits. */
static int
tn_recv(int fd, char *buf, size_t len)
{
	ssize_t	 n;

	if ((n = recv(fd, buf, len - 1, MSG_DONTWAIT)) < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* The daemon's status, as the test sets it. */
static void
tn_status(void *arg, char *buf, size_t len)
{
	(void)arg;
	snprintf(buf, len, "%s", tn_now);
}

/* A note goes first; a line too long is cut and says so. */
static void
test_status_line(void **state)
{
	char	 buf[32];

	(void)state;
	assert_int_equal(notify_status_line(buf, sizeof(buf), NULL, "a, b"),
	    0);
	assert_string_equal(buf, "a, b");
	assert_int_equal(notify_status_line(buf, sizeof(buf), "", "a"), 0);
	assert_string_equal(buf, "a");
	assert_int_equal(notify_status_line(buf, sizeof(buf),
	    "reload refused: x", "a"), 0);
	assert_string_equal(buf, "reload refused: x; a");
	assert_int_equal(notify_status_line(buf, sizeof(buf),
	    "reload refused: a reason much too long", "a"), -1);
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
}

/* Start, status on change, reloads, stop: what systemd reads. */
static void
test_messages(void **state)
{
	struct event_base	*base;
	char			 path[108], buf[512];
	int			 fd;

	(void)state;
	fd = tn_listen(path, sizeof(path));
	assert_int_equal(unsetenv("WATCHDOG_USEC"), 0);
	base = event_base_new();
	assert_non_null(base);
	assert_int_equal(notify_init(base, tn_status, NULL), 0);
	notify_ready();
	assert_int_equal(tn_recv(fd, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "READY=1");
	assert_int_equal(tn_recv(fd, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "STATUS=0 tunnels");
	/* Unchanged: nothing sent; changed: sent once. */
	notify_status_update();
	assert_int_equal(tn_recv(fd, buf, sizeof(buf)), -1);
	snprintf(tn_now, sizeof(tn_now), "1 tunnel");
	notify_status_update();
	notify_status_update();
	assert_int_equal(tn_recv(fd, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "STATUS=1 tunnel");
	assert_int_equal(tn_recv(fd, buf, sizeof(buf)), -1);

	/* A refused reload: the reason stays in STATUS until a good one. */
	notify_reloading();
	assert_int_equal(tn_recv(fd, buf, sizeof(buf)), 0);
	assert_true(strncmp(buf, "RELOADING=1\nMONOTONIC_USEC=", 27) == 0);
	assert_true(strlen(buf) > 27 && strspn(buf + 27, "0123456789") ==
	    strlen(buf + 27));
	notify_reloaded("f.conf:3: bad\nline");
	assert_int_equal(tn_recv(fd, buf, sizeof(buf)), 0);
	assert_string_equal(buf,
	    "STATUS=reload refused: f.conf:3: bad line; 1 tunnel");
	assert_int_equal(tn_recv(fd, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "READY=1");
	snprintf(tn_now, sizeof(tn_now), "2 tunnels");
	notify_status_update();
	assert_int_equal(tn_recv(fd, buf, sizeof(buf)), 0);
	assert_string_equal(buf,
	    "STATUS=reload refused: f.conf:3: bad line; 2 tunnels");
	notify_reloading();
	assert_int_equal(tn_recv(fd, buf, sizeof(buf)), 0);
	notify_reloaded(NULL);
	assert_int_equal(tn_recv(fd, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "STATUS=2 tunnels");
	assert_int_equal(tn_recv(fd, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "READY=1");

	notify_stopping();
	assert_int_equal(tn_recv(fd, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "STOPPING=1\nSTATUS=stopping");
	notify_free();
	event_base_free(base);
	close(fd);
	unlink(path);
	assert_int_equal(unsetenv("NOTIFY_SOCKET"), 0);
}

/* WATCHDOG_USEC=100000: WATCHDOG=1 every 50 ms while the loop turns. */
static void
test_watchdog(void **state)
{
	struct event_base	*base;
	struct timeval		 tv = { 0, 290000 };
	char			 path[108], buf[512];
	int			 fd, pets = 0;

	(void)state;
	fd = tn_listen(path, sizeof(path));
	assert_int_equal(setenv("WATCHDOG_USEC", "100000", 1), 0);
	base = event_base_new();
	assert_non_null(base);
	assert_int_equal(notify_init(base, tn_status, NULL), 0);
	assert_int_equal(event_base_loopexit(base, &tv), 0);
	assert_int_equal(event_base_dispatch(base), 0);
	while (tn_recv(fd, buf, sizeof(buf)) == 0)
		if (strcmp(buf, "WATCHDOG=1") == 0)
			pets++;
	assert_in_range(pets, 4, 6);
	notify_free();
	event_base_free(base);

	/* Not watched: no pets. A bad value is refused. */
	assert_int_equal(unsetenv("WATCHDOG_USEC"), 0);
	base = event_base_new();
	assert_int_equal(notify_init(base, tn_status, NULL), 0);
	tv.tv_usec = 120000;
	assert_int_equal(event_base_loopexit(base, &tv), 0);
	assert_int_equal(event_base_dispatch(base), 0);
	while (tn_recv(fd, buf, sizeof(buf)) == 0)
		assert_string_not_equal(buf, "WATCHDOG=1");
	notify_free();
	assert_int_equal(setenv("WATCHDOG_USEC", "junk", 1), 0);
	assert_int_equal(notify_init(base, tn_status, NULL), -1);
	notify_free();
	event_base_free(base);
	assert_int_equal(unsetenv("WATCHDOG_USEC"), 0);
	close(fd);
	unlink(path);
	assert_int_equal(unsetenv("NOTIFY_SOCKET"), 0);
}

/* Without NOTIFY_SOCKET nothing is set up and nothing fails. */
static void
test_no_socket(void **state)
{
	struct event_base	*base;

	(void)state;
	assert_int_equal(unsetenv("NOTIFY_SOCKET"), 0);
	assert_int_equal(setenv("WATCHDOG_USEC", "100000", 1), 0);
	base = event_base_new();
	assert_non_null(base);
	assert_int_equal(notify_init(base, tn_status, NULL), 0);
	notify_ready();
	notify_reloading();
	notify_reloaded("x");
	notify_reloaded(NULL);
	notify_stopping();
	notify_free();
	event_base_free(base);
	assert_int_equal(unsetenv("WATCHDOG_USEC"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_line),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_watchdog),
		cmocka_unit_test(test_no_socket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
