/*
 * hrac, the inside half: the SIP proxy inside phones use, and the client
 * end of the HTTP tunnel to hras.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/ssl.h>

#include "config.h"
#include "ctl.h"
#include "daemon.h"
#include "hook.h"
#include "hrac.h"
#include "hrac_config.h"
#include "hrac_sip.h"
#include "log.h"
#include "media.h"
#include "metrics.h"
#include "net.h"
#include "notify.h"
#include "pacd.h"
#include "sip.h"
#include "tunnel.h"
#include "vcit.h"

static void	hrac_reload(void *);
static void	hrac_reload_refused(const char *);
static void	hrac_status(void *, char *, size_t);
static int	hrac_check(struct hrac_config *);
static void	hrac_stop(void *);
static void	hrac_deliver_sip(void *, uint32_t, const uint8_t *, size_t);
static void	hrac_work(void *, struct pace_work *);
static void	hrac_deliver_media(void *, unsigned int, uint32_t,
		    const uint8_t *, size_t);

static struct hrac	hrac;

/*
 * SIGHUP: read the file again and swap it in if it is good, with systemd
 * told RELOADING=1 then READY=1 either way; a refused file (or a CA that
 * does not load) leaves the old configuration running, says why at error
 * priority and in STATUS=. The new CA or pinned fingerprint holds from
 * the next handshake on; the running tunnel keeps its own.
 */
static void
hrac_reload(void *arg)
{
	struct hrac		*h = arg;
	struct hrac_config	*conf;
	SSL_CTX			*ssl = NULL;
	char			 err[CONFIG_ERRLEN];

	notify_reloading();
	if ((conf = hrac_config_load(h->conf->file, err, sizeof(err))) ==
	    NULL) {
		hrac_reload_refused(err);
		return;
	}
	if (h->session.ssl != NULL && (ssl = hrac_tls_ctx(conf)) == NULL) {
		snprintf(err, sizeof(err), "tls.ca \"%s\" does not load",
		    conf->tls_ca != NULL ? conf->tls_ca : "(system default)");
		hrac_config_free(conf);
		hrac_reload_refused(err);
		return;
	}
	if (strcmp(conf->server, h->conf->server) != 0 ||
	    (conf->proxy == NULL) != (h->conf->proxy == NULL) ||
	    (conf->proxy != NULL && strcmp(conf->proxy, h->conf->proxy) != 0))
		log_warnx("reload: server or proxy change needs a restart");
	if (hrac_config_proxy_auth_changed(h->conf, conf))
		log_warnx("reload: proxy_auth change needs a restart");
	if (config_relay_moved(&h->conf->sip, &h->conf->media, &conf->sip,
	    &conf->media))
		log_warnx("reload: SIP or media address change needs a restart");
	if (conf->log_syslog != h->conf->log_syslog)
		log_warnx("reload: log.syslog change needs a restart");
	if (metrics_moved(h->conf->metrics_on, &h->conf->metrics, conf->metrics_on,
	    &conf->metrics))
		log_warnx("reload: metrics change needs a restart");
	if (config_privs_changed(h->conf->user, h->conf->sandbox, conf->user,
	    conf->sandbox))
		log_warnx("reload: user or sandbox change needs a restart");
	if (h->sip != NULL && hrac_sip_reconfigure(h->sip, conf) == -1)
		log_warnx("reload: inside_proxy_users does not compile; SIP "
		    "settings kept");
	if (ssl != NULL) {
		/* A live link's SSL holds a reference to the old context. */
		SSL_CTX_free(h->session.ssl);
		h->session.ssl = ssl;
	}
	tunnel_set_batch(h->session.tun, conf->batch_bytes);
	tunnel_set_batch_wait(h->session.tun, conf->batch_wait);
	pace_set(&h->pace, conf->batch_wait, conf->batch_bytes);
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
	hrac_session_lanes_reload(&h->session);
	log_info("configuration reloaded from %s", conf->file);
	notify_reloaded(NULL);
}

/* A reload refused: the old configuration stays; say so everywhere. */
static void
hrac_reload_refused(const char *why)
{
	log_errx("reload refused, keeping the running configuration: %s",
	    why);
	notify_reloaded(why);
}

/* systemd's STATUS= line: the tunnel's state, calls, phones registered. */
static void
hrac_status(void *arg, char *buf, size_t len)
{
	struct hrac		*h = arg;
	const struct hrac_session *s = &h->session;
	const char		*state;
	size_t			 calls = 0;
	unsigned int		 phones = 0;

	switch (s->state) {
	case SESSION_UP:
		state = s->mode == TUNNEL_MODE_POLL ? "tunnel up (poll)" :
		    "tunnel up (stream)";
		break;
	case SESSION_PROBE:
		state = "tunnel probing the path";
		break;
	case SESSION_CHALLENGE:
	case SESSION_OPEN:
		state = "tunnel connecting";
		break;
	default:
		state = "tunnel down, retrying";
		break;
	}
	if (h->sip != NULL) {
		calls = vcit_count(h->sip->vcit);
		phones = hrac_local_count(h->sip->local);
	}
	snprintf(buf, len, "%s, %zu call%s, %u phone%s registered", state,
	    calls, calls == 1 ? "" : "s", phones, phones == 1 ? "" : "s");
}

/*
 * -n: beyond the file itself, the CA that verifies hras loads (unless a
 * fingerprint pins it) and every address hrac binds is one of this
 * machine's. Each failure is a line on stderr; 0 when there was none.
 */
static int
hrac_check(struct hrac_config *conf)
{
	struct config_url	 url;
	SSL_CTX			*ssl;
	int			 bad = 0;

	if (config_parse_url(conf->server, &url) == 0 && url.tls &&
	    conf->tls_fingerprint == NULL) {
		if ((ssl = hrac_tls_ctx(conf)) == NULL) {
			fprintf(stderr, "%s: tls.ca \"%s\" holds no usable CA "
			    "certificate\n", conf->file, conf->tls_ca != NULL ?
			    conf->tls_ca : "(system default)");
			bad = 1;
		}
		SSL_CTX_free(ssl);
	}
	bad |= net_check_local(conf->file, "sip.address", conf->sip.address);
	bad |= net_check_local(conf->file, "media.address",
	    conf->media.address);
	if (conf->hook.enabled)
		bad |= net_check_local(conf->file, "hook.listen.address",
		    conf->hook.listen.address);
	if (conf->metrics_on && conf->metrics.address != NULL)
		bad |= net_check_local(conf->file, "metrics.address",
		    conf->metrics.address);
	return bad ? -1 : 0;
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
	notify_stopping();
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
	if (args.command != NULL) {
		rc = hrac_ctl_client(conf, &args);
		hrac_config_free(conf);
		return rc;
	}
	if (args.doctor) {
		rc = hrac_doctor(conf, &args);
		hrac_config_free(conf);
		return rc;
	}
	if (args.check_only) {
		rc = hrac_check(conf);
		if (rc == 0)
			printf("configuration OK\n");
		hrac_config_free(conf);
		return rc == 0 ? 0 : 1;
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
	hrac.daemon = 1;
	pace_init(&hrac.pace, hrac_work, &hrac);
	pace_set(&hrac.pace, conf->batch_wait, conf->batch_bytes);
	if (hrac_session_init(&hrac.session, &hrac, NULL) == -1)
		fatalx("cannot set up the tunnel to %s", conf->server);
	tunnel_set_pace(hrac.session.tun, &hrac.pace);
	if ((hrac.sip = hrac_sip_new(&hrac)) == NULL)
		fatalx("cannot open the SIP listeners and media relay");
	hrac.session.cb.up = hrac_sip_tunnel_up;
	hrac.session.cb.sip = hrac_deliver_sip;
	hrac.session.cb.media = hrac_deliver_media;
	hrac.session.cb.arg = hrac.sip;
	if (conf->hook.enabled && (hrac.hook = hook_new(base, &conf->hook,
	    hrac_hook_send, &hrac.session)) == NULL)
		fatalx("cannot open the hook");
	hrac.ctl = hrac_ctl_new(&hrac);
	if (conf->metrics_on && (hrac.metrics = hrac_metrics_new(&hrac)) ==
	    NULL)
		fatalx("cannot open the metrics endpoint");
	/* Every socket and file is open: give up root, then most calls. */
	if (daemon_drop_privileges(conf->user != NULL ? conf->user :
	    CONFIG_USER) == -1)
		fatalx("cannot drop privileges");
	/*
	 * PAC files run in a process of their own, under a time limit: it
	 * is forked now, as the sandbox forbids forking later. Without it,
	 * a PAC file is refused as one that does not answer.
	 */
	if (conf->proxy != NULL && strcmp(conf->proxy, "auto") == 0 &&
	    (hrac.pacd = pacd_start(base, conf->sandbox ?
	    PACD_FILTER : 0)) == NULL)
		log_warnx("PAC files cannot be run: no PAC runner");
	if (daemon_sandbox(conf->sandbox) == -1)
		fatalx("cannot enter the sandbox");
	/* Ready once the listeners are: the tunnel comes up when it can. */
	if (notify_init(base, hrac_status, &hrac) == -1)
		fatalx("cannot set up the systemd notification");
	log_info("hrac %s started", VOFW_VERSION);
	notify_ready();
	if (pace_loop(base, &hrac.pace) == -1)
		log_warnx("stopping");

	notify_free();
	metrics_free(hrac.metrics);
	ctl_free(hrac.ctl);
	hook_free(hrac.hook);
	hrac_sip_free(hrac.sip);
	hrac_session_free(&hrac.session);
	pacd_free(hrac.pacd);
	daemon_signals_free(sig);
	event_base_free(base);
	hrac_config_free(hrac.conf);
	log_info("stopped");
	return 0;
}

/* The datagrams the relay carried so far, both ways: the loop's load. */
static void
hrac_work(void *arg, struct pace_work *w)
{
	struct hrac			*h = arg;
	const struct media_stats	*ms;

	w->packets = w->bytes = 0;
	if (h->sip == NULL || h->sip->media == NULL)
		return;
	ms = media_stats(h->sip->media);
	w->packets = ms->rx_packets + ms->tx_packets;
	w->bytes = ms->rx_bytes + ms->tx_bytes;
}
