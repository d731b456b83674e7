/* SPDX-License-Identifier: Apache-2.0 */
#include "policy-slot.h"

#include <errno.h>
#include <stdlib.h>

struct policy_ref {
	unsigned refs; /* atomic */
	struct net_policy p;
};

static struct policy_ref *ref_new(struct net_policy *p)
{
	struct policy_ref *r = calloc(1, sizeof(*r));

	if (!r) {
		net_policy_free(p);
		return NULL;
	}
	r->refs = 1;
	r->p = *p;
	*p = (struct net_policy){0};
	return r;
}

void policy_ref_put(struct policy_ref *r)
{
	if (r && __atomic_sub_fetch(&r->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		net_policy_free(&r->p);
		free(r);
	}
}

const struct net_policy *policy_ref_policy(const struct policy_ref *r)
{
	return r ? &r->p : NULL;
}

int policy_slot_init(struct policy_slot *s, struct net_policy *p)
{
	s->cur = ref_new(p);
	if (!s->cur)
		return -ENOMEM;
	pthread_mutex_init(&s->lock, NULL);
	return 0;
}

int policy_slot_set(struct policy_slot *s, struct net_policy *p)
{
	struct policy_ref *n = ref_new(p), *old;

	if (!n)
		return -ENOMEM;
	pthread_mutex_lock(&s->lock);
	old = s->cur;
	s->cur = n;
	pthread_mutex_unlock(&s->lock);
	policy_ref_put(old);
	return 0;
}

struct policy_ref *policy_slot_get(struct policy_slot *s)
{
	struct policy_ref *r;

	pthread_mutex_lock(&s->lock);
	r = s->cur;
	__atomic_add_fetch(&r->refs, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&s->lock);
	return r;
}

void policy_slot_done(struct policy_slot *s)
{
	if (!s->cur)
		return;
	policy_ref_put(s->cur);
	s->cur = NULL;
	pthread_mutex_destroy(&s->lock);
}
