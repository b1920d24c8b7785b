/** The IPVS model: virtual services, schedulers, real servers, checked from the policy's ipvs section. */
package dev.policyc.compiler.ipvs;
