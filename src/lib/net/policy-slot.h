/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A network policy that can be replaced while proxies use it (srt_manager_update_network()):
 * readers take a reference to the current policy and keep using that one (one connection
 * decides and vets with one policy), writers publish a new one; the old one is freed when its
 * last reader lets go. Thread-safe.
 */
#pragma once

#include <pthread.h>

#include "domain-match.h"

struct policy_ref;

struct policy_slot {
	pthread_mutex_t lock;
	struct policy_ref *cur;
};

/* Takes ownership of *p (which is zeroed). Returns 0 or -ENOMEM (then *p is freed). */
int policy_slot_init(struct policy_slot *s, struct net_policy *p);
/* Publishes *p (taken and zeroed) as the current policy. Returns 0 or -ENOMEM (then *p is
 * freed and the old policy stays). */
int policy_slot_set(struct policy_slot *s, struct net_policy *p);
/* The current policy, referenced: release it with policy_ref_put(). Never NULL after init. */
struct policy_ref *policy_slot_get(struct policy_slot *s);
void policy_slot_done(struct policy_slot *s);

const struct net_policy *policy_ref_policy(const struct policy_ref *r);
void policy_ref_put(struct policy_ref *r); /* NULL-safe */
