package io.corral;

/** The master: placeholder until the Arbiter lands. */
public final class Arbiter {}
