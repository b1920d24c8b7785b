/** The IPVS emitters: ipvsadm -R rules, the dummy-interface address script, keepalived.conf. */
package dev.policyc.compiler.emit.ipvs;
