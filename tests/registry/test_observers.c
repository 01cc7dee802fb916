/* SPDX-License-Identifier: MIT */
/*
 * test_observers.c - the observer contract: add and remove around load and
 * unload, exactly once and in order; remove while still mapped; tokens;
 * reentrancy from observers and initializers.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "harness.h"

typedef struct event {
	uint64_t id;
	bool add;
	bool mapped;       /* signet_image_is_mapped() during the callback */
	int probe;         /* fixture_id() called during the callback, or -1 */
} event;

typedef struct evlog {
	event ev[256];
	size_t n;
	uint64_t watch_id;       /* the image whose code remove callbacks call */
	int (*watch_fn)(void);
} evlog;

static void on_event(const signet_image *img, evlog *l, bool add)
{
	if (l->n >= 256)
		return;
	event *e = &l->ev[l->n++];
	e->id = signet_image_id(img);
	e->add = add;
	e->mapped = signet_image_is_mapped(img);
	/* Calling into the image proves it is still mapped: if it were not,
	 * this would crash the test. */
	e->probe = (!add && l->watch_fn && e->id == l->watch_id) ? l->watch_fn() : -1;
}

static void log_add(const signet_image *img, void *p) { on_event(img, p, true); }
static void log_remove(const signet_image *img, void *p) { on_event(img, p, false); }

static size_t count(const evlog *l, uint64_t id, bool add)
{
	size_t n = 0;
	for (size_t i = 0; i < l->n; i++)
		n += l->ev[i].id == id && l->ev[i].add == add;
	return n;
}

static void test_add_and_remove_fire_once_in_order_around_load_unload(void)
{
	evlog *l = calloc(1, sizeof *l);
	signet_error *err = NULL;
	signet_observer_token token;
	SG_ASSERT_OK(signet_registry_add_observer(&token, log_add, log_remove, l, &err), &err);
	size_t replayed = l->n;

	signet_image *img = NULL;
	SG_ASSERT_OK(signet_load(&img, sg_fixture("libfixture0.so"), sg_test_policy(), &err), &err);
	uint64_t id = signet_image_id(img);
	/* Before signet_load() returned, the observer knew. */
	CU_ASSERT_EQUAL(l->n, replayed + 1);
	CU_ASSERT_EQUAL(count(l, id, true), 1);
	CU_ASSERT_EQUAL(count(l, id, false), 0);

	void *fn = NULL;
	SG_ASSERT_OK(signet_image_symbol(&fn, img, "fixture_id", &err), &err);
	l->watch_id = id;
	l->watch_fn = (int (*)(void))(uintptr_t)fn;
	SG_ASSERT_OK(signet_unload(img, &err), &err);

	CU_ASSERT_EQUAL_FATAL(l->n, replayed + 2);
	event *rm = &l->ev[replayed + 1];
	CU_ASSERT_FALSE(rm->add);
	CU_ASSERT_EQUAL(rm->id, id);
	CU_ASSERT(rm->mapped);         /* remove runs before unmapping ... */
	CU_ASSERT_EQUAL(rm->probe, 0); /* ... and its code still runs */
	CU_ASSERT_EQUAL(count(l, id, true), 1);
	CU_ASSERT_EQUAL(count(l, id, false), 1);

	SG_ASSERT_OK(signet_registry_remove_observer(token, &err), &err);
	free(l);
}

static void test_loading_twice_is_one_image(void)
{
	evlog *l = calloc(1, sizeof *l);
	signet_error *err = NULL;
	signet_observer_token token;
	SG_ASSERT_OK(signet_registry_add_observer(&token, log_add, log_remove, l, &err), &err);
	signet_image *a = NULL, *b = NULL;
	SG_ASSERT_OK(signet_load(&a, sg_fixture("libfixture1.so"), sg_test_policy(), &err), &err);
	SG_ASSERT_OK(signet_load(&b, sg_fixture("libfixture1.so"), sg_test_policy(), &err), &err);
	CU_ASSERT_PTR_EQUAL(a, b);
	uint64_t id = signet_image_id(a);
	CU_ASSERT_EQUAL(count(l, id, true), 1);
	SG_ASSERT_OK(signet_unload(a, &err), &err);
	CU_ASSERT_EQUAL(count(l, id, false), 0); /* still loaded once */
	CU_ASSERT(signet_image_is_mapped(b));
	SG_ASSERT_OK(signet_unload(b, &err), &err);
	CU_ASSERT_EQUAL(count(l, id, false), 1);

	/* Loaded again: a new record, a new id, a new add. */
	SG_ASSERT_OK(signet_load(&a, sg_fixture("libfixture1.so"), sg_test_policy(), &err), &err);
	CU_ASSERT(signet_image_id(a) != id);
	CU_ASSERT_EQUAL(count(l, signet_image_id(a), true), 1);
	SG_ASSERT_OK(signet_unload(a, &err), &err);
	SG_ASSERT_OK(signet_registry_remove_observer(token, &err), &err);
	free(l);
}

static void test_unregister_stops_delivery(void)
{
	evlog *l = calloc(1, sizeof *l);
	signet_error *err = NULL;
	signet_observer_token token;
	SG_ASSERT_OK(signet_registry_add_observer(&token, log_add, log_remove, l, &err), &err);
	SG_ASSERT_OK(signet_registry_remove_observer(token, &err), &err);
	size_t before = l->n;
	signet_image *img = NULL;
	SG_ASSERT_OK(signet_load(&img, sg_fixture("libfixture2.so"), sg_test_policy(), &err), &err);
	SG_ASSERT_OK(signet_unload(img, &err), &err);
	CU_ASSERT_EQUAL(l->n, before);

	SG_ASSERT_FAILS(signet_registry_remove_observer(token, &err), &err, SIGNET_E_OBSERVER_UNKNOWN, "token");
	SG_ASSERT_FAILS(signet_registry_remove_observer(0, &err), &err, SIGNET_E_OBSERVER_UNKNOWN, "token 0");
	free(l);
}

/* ---- reentrancy ---- */

typedef struct reenter {
	const char *path;
	int load_rc, load_code, unload_rc;
	bool done;
} reenter;

static void load_inside(const signet_image *img, void *p)
{
	reenter *r = p;
	(void)img;
	if (r->done)
		return;
	r->done = true;
	signet_error *err = NULL;
	signet_image *out = NULL;
	r->load_rc = signet_load(&out, r->path, sg_test_policy(), &err);
	r->load_code = signet_error_code(err);
	signet_error_free(err);
	r->unload_rc = signet_unload(signet_image_retain(img), NULL); /* refused: nothing consumed */
	signet_image_free((signet_image *)(uintptr_t)img);
}

static void test_load_from_inside_observer_is_refused(void)
{
	signet_error *err = NULL;
	signet_image_list *before = NULL, *after = NULL;
	SG_ASSERT_OK(signet_registry_snapshot(&before, &err), &err);

	reenter r = { .path = sg_fixture("libfixture3.so") };
	signet_observer_token token;
	/* The replay calls load_inside() for the main program. */
	SG_ASSERT_OK(signet_registry_add_observer(&token, load_inside, NULL, &r, &err), &err);
	CU_ASSERT(r.done);
	CU_ASSERT_EQUAL(r.load_rc, SIGNET_E_IN_OBSERVER);
	CU_ASSERT_EQUAL(r.load_code, SIGNET_E_IN_OBSERVER);
	CU_ASSERT_EQUAL(r.unload_rc, SIGNET_E_IN_OBSERVER);

	/* The registry is as it was: the refused load left nothing behind. */
	SG_ASSERT_OK(signet_registry_snapshot(&after, &err), &err);
	CU_ASSERT_EQUAL_FATAL(signet_image_list_count(after), signet_image_list_count(before));
	for (size_t i = 0; i < signet_image_list_count(after); i++)
		CU_ASSERT_EQUAL(signet_image_id(signet_image_list_get(after, i)),
			signet_image_id(signet_image_list_get(before, i)));
	signet_image *found = NULL;
	SG_ASSERT_FAILS(signet_registry_find_name(&found, "libfixture3.so", &err), &err, SIGNET_E_NOT_FOUND, "libfixture3.so");
	signet_image_list_free(before);
	signet_image_list_free(after);

	/* And the same observer, live rather than replayed, is refused too. */
	r.done = false;
	signet_image *img = NULL;
	SG_ASSERT_OK(signet_load(&img, sg_fixture("libfixture6.so"), sg_test_policy(), &err), &err);
	CU_ASSERT(r.done);
	CU_ASSERT_EQUAL(r.load_rc, SIGNET_E_IN_OBSERVER);
	SG_ASSERT_OK(signet_registry_remove_observer(token, &err), &err);
	SG_ASSERT_OK(signet_unload(img, &err), &err);
}

static void test_load_from_initializer_is_refused(void)
{
	signet_error *err = NULL;
	signet_image *img = NULL;
	SG_ASSERT_OK(signet_load(&img, sg_fixture("libreenter.so"), sg_test_policy(), &err), &err);
	void *load_rc = NULL, *unload_rc = NULL;
	SG_ASSERT_OK(signet_image_symbol(&load_rc, img, "reenter_load_rc", &err), &err);
	SG_ASSERT_OK(signet_image_symbol(&unload_rc, img, "reenter_unload_rc", &err), &err);
	CU_ASSERT_EQUAL(*(int *)load_rc, SIGNET_E_IN_INITIALIZER);
	CU_ASSERT_EQUAL(*(int *)unload_rc, SIGNET_E_IN_INITIALIZER);
	SG_ASSERT_OK(signet_unload(img, &err), &err);
}

/* ---- unregistering from inside one's own callback ---- */

typedef struct self_remove {
	signet_observer_token token;
	size_t calls;
	int rc;
} self_remove;

static void remove_self(const signet_image *img, void *p)
{
	self_remove *s = p;
	(void)img;
	s->calls++;
	if (s->token)
		s->rc = signet_registry_remove_observer(s->token, NULL);
}

static void test_observer_can_unregister_itself(void)
{
	signet_error *err = NULL;
	self_remove s = { 0 };
	SG_ASSERT_OK(signet_registry_add_observer(&s.token, remove_self, NULL, &s, &err), &err);
	size_t replayed = s.calls;
	CU_ASSERT(replayed > 0);
	signet_image *a = NULL, *b = NULL;
	SG_ASSERT_OK(signet_load(&a, sg_fixture("libfixture4.so"), sg_test_policy(), &err), &err);
	CU_ASSERT_EQUAL(s.calls, replayed + 1);
	CU_ASSERT_EQUAL(s.rc, 0);
	SG_ASSERT_OK(signet_load(&b, sg_fixture("libfixture5.so"), sg_test_policy(), &err), &err);
	CU_ASSERT_EQUAL(s.calls, replayed + 1); /* no further calls */
	SG_ASSERT_OK(signet_unload(a, &err), &err);
	SG_ASSERT_OK(signet_unload(b, &err), &err);
}

static void test_remove_only_observer_hears_removal_of_replayed_image(void)
{
	signet_error *err = NULL;
	signet_image *img = NULL;
	SG_ASSERT_OK(signet_load(&img, sg_fixture("libfixture2.so"), sg_test_policy(), &err), &err);
	uint64_t id = signet_image_id(img);
	evlog *l = calloc(1, sizeof *l);
	signet_observer_token token;
	SG_ASSERT_OK(signet_registry_add_observer(&token, NULL, log_remove, l, &err), &err);
	CU_ASSERT_EQUAL(l->n, 0);
	SG_ASSERT_OK(signet_unload(img, &err), &err);
	CU_ASSERT_EQUAL(l->n, 1);
	CU_ASSERT_EQUAL(count(l, id, false), 1);
	SG_ASSERT_OK(signet_registry_remove_observer(token, &err), &err);
	free(l);
}

static void test_bad_arguments(void)
{
	signet_error *err = NULL;
	signet_observer_token token;
	SG_ASSERT_FAILS(signet_registry_add_observer(&token, NULL, NULL, NULL, &err), &err,
		SIGNET_E_INVALID_ARGUMENT, "callback");
	SG_ASSERT_FAILS(signet_registry_add_observer(NULL, log_add, NULL, NULL, &err), &err,
		SIGNET_E_INVALID_ARGUMENT, "token");
	SG_ASSERT_FAILS(signet_unload(NULL, &err), &err, SIGNET_E_INVALID_ARGUMENT, "image");
}

int main(void)
{
	static const sg_test tests[] = {
		{ "add and remove fire once, in order, around load/unload", test_add_and_remove_fire_once_in_order_around_load_unload },
		{ "loading twice is one image", test_loading_twice_is_one_image },
		{ "unregister stops delivery", test_unregister_stops_delivery },
		{ "load from inside an observer is refused", test_load_from_inside_observer_is_refused },
		{ "load from inside an initializer is refused", test_load_from_initializer_is_refused },
		{ "an observer can unregister itself", test_observer_can_unregister_itself },
		{ "a remove-only observer hears removal of a replayed image", test_remove_only_observer_hears_removal_of_replayed_image },
		{ "bad arguments", test_bad_arguments },
		{ NULL, NULL },
	};
	static const sg_suite suites[] = { { "observers", tests }, { NULL, NULL } };
	return sg_test_main(suites);
}
