/*
 * hrac, the inside half: the SIP proxy inside phones use, and the client
 * end of the HTTP tunnel to hras.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "config.h"
#include "daemon.h"
#include "hook.h"
#include "hrac.h"
#include "hrac_config.h"
#include "log.h"
#include "sip.h"
#include "tunnel.h"

static void	hrac_reload(void *);
static void	hrac_stop(void *);
static void	hrac_deliver_sip(void *, uint32_t, const uint8_t *, size_t);
static void	hrac_deliver_media(void *, unsigned int, uint32_t,
		    const uint8_t *, size_t);

static struct hrac	hrac;

/* SIGHUP: read the file again; keep the old config if the new one is bad. */
static void
hrac_reload(void *arg)
{
	struct hrac		*h = arg;
	struct hrac_config	*conf;
	char			 err[CONFIG_ERRLEN];

	if ((conf = hrac_config_load(h->conf->file, err, sizeof(err))) ==
	    NULL) {
		log_warnx("reload failed, keeping the running configuration: "
		    "%s", err);
		return;
	}
	if (strcmp(conf->server, h->conf->server) != 0 ||
	    (conf->proxy == NULL) != (h->conf->proxy == NULL) ||
	    (conf->proxy != NULL && strcmp(conf->proxy, h->conf->proxy) != 0))
		log_warnx("reload: server or proxy change needs a restart");
	if (config_relay_moved(&h->conf->sip, &h->conf->media, &conf->sip,
	    &conf->media))
		log_warnx("reload: SIP or media address change needs a restart");
	if (conf->log_syslog != h->conf->log_syslog)
		log_warnx("reload: log.syslog change needs a restart");
	if (config_privs_changed(h->conf->user, h->conf->sandbox, conf->user,
	    conf->sandbox))
		log_warnx("reload: user or sandbox change needs a restart");
	if (h->sip != NULL && hrac_sip_reconfigure(h->sip, conf) == -1)
		log_warnx("reload: inside_proxy_users does not compile; SIP "
		    "settings kept");
	tunnel_set_batch(h->session.tun, conf->batch_bytes);
	tunnel_set_batch_wait(h->session.tun, conf->batch_wait);
	log_set_debug(conf->log_debug);
	log_limit_set((unsigned int)conf->log_limit_lines,
	    (unsigned int)conf->log_limit_interval);
	/* Keep what the running tunnel was built from; take the rest. */
	free(conf->server);
	conf->server = h->conf->server;
	h->conf->server = NULL;
	free(conf->proxy);
	conf->proxy = h->conf->proxy;
	h->conf->proxy = NULL;
	hrac_config_free(h->conf);
	h->conf = conf;
	log_info("configuration reloaded from %s", conf->file);
}

/* A SIP record from the tunnel goes to the inside proxy. */
static void
hrac_deliver_sip(void *arg, uint32_t flow, const uint8_t *data, size_t len)
{
	hrac_sip_from_tunnel(arg, flow, data, len);
}

/* An RTP or RTCP record from the tunnel goes to its call's relay. */
static void
hrac_deliver_media(void *arg, unsigned int type, uint32_t flow,
    const uint8_t *data, size_t len)
{
	hrac_media_from_tunnel(arg, type, flow, data, len);
}

/* SIGTERM/SIGINT: leave the loop; main tears everything down. */
static void
hrac_stop(void *arg)
{
	struct hrac		*h = arg;
	char			 stats[512];

	log_info("shutting down; tunnel: %s", tunnel_stats_line(h->session.tun,
	    stats, sizeof(stats)));
	event_base_loopexit(h->base, NULL);
}

int
main(int argc, char *argv[])
{
	struct daemon_args	 args;
	struct daemon_signals	*sig;
	struct event_base	*base;
	struct hrac_config	*conf;
	char			 err[CONFIG_ERRLEN];
	int			 rc;

	if ((rc = daemon_parse_args(argc, argv, "/etc/vofw/hrac.conf",
	    &args)) != DAEMON_RUN)
		return rc;
	log_init("hrac", 0, args.debug ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	if ((conf = hrac_config_load(args.conf, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (args.check_only) {
		printf("configuration OK\n");
		hrac_config_free(conf);
		return 0;
	}
	if (conf->log_syslog && !args.debug)
		log_init("hrac", 1, LOG_LEVEL_INFO);
	log_set_debug(conf->log_debug);
	log_limit_set((unsigned int)conf->log_limit_lines,
	    (unsigned int)conf->log_limit_interval);
	if ((base = daemon_event_base()) == NULL)
		fatalx("cannot create the event loop");
	if ((sig = daemon_signals_init(base, hrac_reload, hrac_stop,
	    &hrac)) == NULL)
		fatalx("cannot set up signal handling");
	daemon_raise_nofile();
	sip_init();
	hrac.base = base;
	hrac.conf = conf;
	if (hrac_session_init(&hrac.session, &hrac, NULL) == -1)
		fatalx("cannot set up the tunnel to %s", conf->server);
	if ((hrac.sip = hrac_sip_new(&hrac)) == NULL)
		fatalx("cannot open the SIP listeners and media relay");
	hrac.session.cb.up = hrac_sip_tunnel_up;
	hrac.session.cb.sip = hrac_deliver_sip;
	hrac.session.cb.media = hrac_deliver_media;
	hrac.session.cb.arg = hrac.sip;
	if (conf->hook.enabled && (hrac.hook = hook_new(base, &conf->hook,
	    hrac_hook_send, &hrac.session)) == NULL)
		fatalx("cannot open the hook");
	/* Every socket and file is open: give up root, then most calls. */
	if (daemon_drop_privileges(conf->user != NULL ? conf->user :
	    CONFIG_USER) == -1)
		fatalx("cannot drop privileges");
	if (daemon_sandbox(conf->sandbox) == -1)
		fatalx("cannot enter the sandbox");
	daemon_notify_ready();
	log_info("hrac %s started", VOFW_VERSION);
	event_base_dispatch(base);

	hook_free(hrac.hook);
	hrac_sip_free(hrac.sip);
	hrac_session_free(&hrac.session);
	daemon_signals_free(sig);
	event_base_free(base);
	hrac_config_free(hrac.conf);
	log_info("stopped");
	return 0;
}
