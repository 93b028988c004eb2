"""The helper's batches, run natively on CPython against the bindings
componentize-py generates (`componentize-py -d wit -w plugin bindings DIR`,
with DIR on PYTHONPATH): the batch-wide operations give the same answers as
record-by-record code, on regular and irregular layouts."""

import unittest

import wasm_connect as wc
from wasm_connect._batch import Batch

CUSTOMER = wc.Schema.struct(
    [("id", wc.INT64), ("name", wc.STRING), ("email", wc.OPTIONAL_STRING)],
    name="com.example.Customer")


def customers(n, route=lambda i: f"r{i % 3}", email=lambda i: f"c{i}@example.com"):
    b = Batch()
    for i in range(n):
        headers = [] if route(i) is None else [("route", route(i))]
        b.append("orders", value={"id": i, "name": f"n{i}", "email": email(i)},
                 value_schema=CUSTOMER, headers=headers, partition=0)
    return b


def through_wit(batch):
    """The batch as the host would send it: data-base 0, all data."""
    raw = batch._to_wit()
    return Batch._from_wit(raw)


class BatchTest(unittest.TestCase):
    def test_values_round_trip(self):
        b = Batch()
        b.append("t", value={"a": [1, 2.5, None, True, b"\x00\xff", {"k": "v"}]}, key="k")
        b.append("t", value=wc.Struct(CUSTOMER, {"id": 7, "name": "x"}), value_schema=CUSTOMER,
                 source_partition={"p": 1}, source_offset={"o": 2}, timestamp=5)
        b = through_wit(b)
        self.assertEqual(b[0].value, {"a": [1, 2.5, None, True, b"\x00\xff", {"k": "v"}]})
        self.assertEqual(b[0].key, "k")
        self.assertIsNone(b[0].value_schema)
        v = b[1].value
        self.assertIsInstance(v, wc.Struct)
        self.assertEqual(dict(v), {"id": 7, "name": "x", "email": None})
        self.assertEqual(b[1].value_schema, CUSTOMER)
        self.assertEqual((b[1].source_partition, b[1].source_offset), ({"p": 1}, {"o": 2}))
        self.assertEqual((b[1].timestamp, b[1].timestamp_type), (5, "CreateTime"))

    def test_header_values_on_every_layout(self):
        regular = through_wit(customers(10))
        self.assertEqual(regular.header_values("route"), [f"r{i % 3}" for i in range(10)])
        self.assertEqual(regular.header_values("nope"), [None] * 10)
        sparse = through_wit(customers(6, route=lambda i: None if i % 2 else f"r{i}"))
        self.assertEqual(sparse.header_values("route"), ["r0", None, "r2", None, "r4", None])
        several = Batch()
        several.append("t", headers=[("route", "a"), ("x", "y"), ("route", "b")])
        several.append("t", headers=[("route", b"bytes"), ("route", 5)])
        several.append("t", headers=[("route", b"\xff")])
        several = through_wit(several)
        self.assertEqual(several.header_values("route"), ["b", 5, b"\xff"])
        self.assertEqual(several.header_values("route", text=True), ["b", None, None])
        self.assertEqual([r.header("route") for r in several], ["b", 5, b"\xff"])

    def test_set_field_regular_and_not(self):
        for b in (through_wit(customers(5, email=lambda i: None if i == 2 else "e")),):
            b.set_field("email", "****", skip_null=True)
            self.assertEqual([r.value["email"] for r in b], ["****", "****", None, "****", "****"])
            b.set_field("email", "x")
            self.assertEqual([r.value["email"] for r in b], ["x"] * 5)
        mixed = Batch()
        mixed.append("t", value={"email": "a", "other": 1})
        mixed.append("t", value=wc.Struct(CUSTOMER, {"id": 1, "name": "n", "email": "b"}),
                     value_schema=CUSTOMER)
        mixed.append("t", value="plain")
        mixed.append("t", value={"email": None})
        mixed = through_wit(mixed)
        mixed.set_field("email", "****", skip_null=True)
        self.assertEqual([r.value for r in mixed][:2],
                         [{"email": "****", "other": 1}, {"id": 1, "name": "n", "email": "****"}])
        self.assertEqual([r.value for r in mixed][2:], ["plain", {"email": None}])
        wrong = through_wit(customers(2))
        with self.assertRaises(wc.DataError) as e:
            wrong.set_field("id", "****")
        self.assertEqual(str(e.exception), "field id is int64; cannot set it to a string")
        # A shared struct (two records, one value) is written once.
        shared = through_wit(customers(1))
        shared._rec = bytearray(bytes(shared._rec) * 2)
        shared.set_field("name", "same")
        self.assertEqual([r.value["name"] for r in shared], ["same", "same"])

    def test_add_header_set_topics_filter(self):
        def make():
            return customers(4, route=lambda i: None if i == 1 else f"r{i}")
        b = through_wit(make())
        b.add_header("tag", "t")
        self.assertEqual([r.headers for r in b],
                         [[("route", "r0"), ("tag", "t")], [("tag", "t")],
                          [("route", "r2"), ("tag", "t")], [("route", "r3"), ("tag", "t")]])
        b.set_topics(b.header_values("route"))
        self.assertEqual([r.topic for r in b], ["r0", "orders", "r2", "r3"])
        b.set_topics([None, "", "x", None])
        self.assertEqual([r.topic for r in b], ["r0", "orders", "x", "r3"])
        with self.assertRaises(wc.DataError):
            b.set_topics([None, b"bytes", None, None])
        b.filter([True, False, False, True])
        self.assertEqual([r.value["id"] for r in b], [0, 3])
        out = b._to_wit()
        self.assertIsInstance(out.data, bytes)
        # Only what was added goes back, after the data the host sent.
        self.assertEqual(out.data_base, len(make()._to_wit().data))

    def test_header_values_with_keys_stored_once(self):
        # The SDKs' builders and the host store a repeated header key once:
        # every descriptor points at the same bytes.
        b = shared_keys(through_wit(customers(300, route=lambda i: f"r{i % 5}")))
        self.assertEqual(b.header_values("route"), [f"r{i % 5}" for i in range(300)])
        self.assertEqual(b.header_values("nope"), [None] * 300)
        self.assertEqual(b.header_values("rout"), [None] * 300)
        # One record's key stored apart, and different: that record has none.
        odd = customers(4)
        odd.append("orders", value={"id": 9, "name": "n", "email": None}, value_schema=CUSTOMER,
                   headers=[("other", "x")])
        odd = shared_keys(through_wit(odd), but=4)
        self.assertEqual(odd.header_values("route"), ["r0", "r1", "r2", "r0", None])
        self.assertEqual(odd.header_values("other"), [None, None, None, None, "x"])
        # The same key stored apart for one record still counts.
        apart = shared_keys(through_wit(customers(4)), but=2)
        self.assertEqual(apart.header_values("route"), ["r0", "r1", "r2", "r0"])

    def test_header_values_many_distinct_and_appended_data(self):
        b = through_wit(customers(600, route=lambda i: f"route-{i}"))
        self.assertEqual(b.header_values("route"), [f"route-{i}" for i in range(600)])
        # Values appended after the host's data are read from there.
        b = through_wit(customers(3))
        b.set_field("name", "x")
        b[1].add_header("route", "late")
        self.assertEqual(b.header_values("route"), ["r0", "late", "r2"])
        self.assertEqual(b[1].headers, [("route", "r1"), ("route", "late")])
        self.assertEqual(b[1].value["name"], "x")

    def test_set_topics_from_header_values(self):
        b = through_wit(customers(6, route=lambda i: ["a", "b", ""][i % 3]))
        values = b.header_values("route")
        self.assertEqual(values, ["a", "b", "", "a", "b", ""])
        b.set_topics(values)
        self.assertEqual([r.topic for r in b], ["a", "b", "orders", "a", "b", "orders"])
        # A list changed after header_values gave it is taken as it is now.
        b = through_wit(customers(4))
        values = b.header_values("route")
        values[1] = None
        values[2] = "z"
        b.set_topics(values)
        self.assertEqual([r.topic for r in b], ["r0", "orders", "z", "r0"])
        b.set_topics(b.header_values("route"))
        self.assertEqual([r.topic for r in b], ["r0", "r1", "r2", "r0"])
        self.assertEqual(b.topics[:1], ["orders"])
        with self.assertRaises(ValueError):
            b.set_topics(["x"])

    def test_set_topics_from_header_without_a_host(self):
        # No bindings here: the helper's own code does what the host's
        # topics-from-header does in a component.
        b = through_wit(customers(6, route=lambda i: ["a", "b", ""][i % 3]))
        b.set_topics_from_header("route")
        self.assertEqual([r.topic for r in b], ["a", "b", "orders", "a", "b", "orders"])

    def test_set_field_keeps_null_fields(self):
        b = through_wit(customers(6, email=lambda i: None if i % 2 else f"e{i}"))
        b.set_field("email", "****", skip_null=True)
        self.assertEqual([r.value["email"] for r in b], ["****", None] * 3)
        # A null node that is not all zeros is left exactly as it was.
        b = through_wit(customers(4, email=lambda i: None if i == 1 else "e"))
        nodes = bytearray(b._nodes)
        with memoryview(b._rec).cast("Q") as q:
            null_at = (q[1 * 12 + 10] + 2) * 16
        nodes[null_at + 4] = 7
        b._nodes = bytes(nodes)
        b.set_field("email", "****", skip_null=True)
        self.assertEqual(b._nodes[null_at:null_at + 16], bytes(nodes[null_at:null_at + 16]))
        self.assertEqual([r.value["email"] for r in b], ["****", None, "****", "****"])
        b.set_field("email", "all")
        self.assertEqual([r.value["email"] for r in b], ["all"] * 4)

    def test_unchanged_buffers_go_back_as_they_came(self):
        raw = customers(3)._to_wit()
        b = Batch._from_wit(raw)
        b.set_field("email", "****")
        b.set_topics(b.header_values("route"))
        out = b._to_wit()
        self.assertIs(out.headers, raw.headers)
        self.assertEqual(out.data, b"****")
        # The host's buffers themselves are never written.
        self.assertEqual(Batch._from_wit(raw)[0].topic, "orders")
        self.assertEqual(Batch._from_wit(raw)[0].value["email"], "c0@example.com")


def shared_keys(batch, but=None):
    """`batch` with every header key pointing at the first header's key
    bytes, except header `but`."""
    hdr = bytearray(batch._hdr)
    with memoryview(hdr).cast("I") as h:
        for j in range(len(hdr) // 32):
            if j != but:
                h[j * 8] = h[0]
    batch._hdr = bytes(hdr)
    return batch


if __name__ == "__main__":
    unittest.main()
