/*
 * Voice quality as one number: the ITU-T G.107 E-model in the simplified
 * form monitoring tools use (R from one-way delay and random packet loss,
 * MOS from R), for the figures a relay measures on each call.
 */
#ifndef VOFW_EMODEL_H
#define VOFW_EMODEL_H

#define EMODEL_R0		93.2	/* R of a perfect G.711 call */
#define EMODEL_G711_IE		0.0	/* equipment impairment */
#define EMODEL_G711_BPL		25.1	/* loss robustness, with PLC */

/* How a codec stands loss (G.113 Appendix I). */
struct emodel_codec {
	double	ie;	/* equipment impairment factor */
	double	bpl;	/* packet-loss robustness factor */
};

/*
 * The codec's figures by RTP payload type: G.729 (18) has its own; every
 * other type is taken as G.711 with packet-loss concealment.
 */
void	emodel_codec(unsigned int pt, struct emodel_codec *);
/*
 * R = 93.2 - Id - Ie,eff for a one-way delay in ms and a random loss in
 * percent (negative inputs count as 0, loss over 100 as 100).
 */
double	emodel_r(double delay_ms, double loss_pct, const struct emodel_codec *);
/* The MOS of an R factor: 1 below R = 0, 4.5 above R = 100. */
double	emodel_mos(double r);

#endif
