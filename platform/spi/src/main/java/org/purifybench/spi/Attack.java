package org.purifybench.spi;

/** A backdoor attack by data poisoning. */
public interface Attack extends Plugin {
    Backdoor prepare(AttackContext context);
}
