"""Statistical disclosure control of the public version: cubes of protected statistics, the
public tables a suppression pattern gives, an attacker that audits them by linear programming,
and complementary suppression until the attacker finds nothing (see docs/report.md)."""
