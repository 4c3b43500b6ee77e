// The export page's "All" checkbox: ticks or clears every column, and shows whether all, some
// (indeterminate) or none are ticked. Without JavaScript it stays hidden; the columns still work.
"use strict";
{
    function setUp() {
        const toggle = document.getElementById("cursor-stream-all-columns");
        const list = document.getElementById("cursor-stream-column-list");
        if (!toggle || !list) {
            return;
        }
        const boxes = Array.from(list.querySelectorAll("input[type=checkbox]"));
        function reflect() {
            const ticked = boxes.filter((box) => box.checked).length;
            toggle.checked = ticked === boxes.length;
            toggle.indeterminate = ticked > 0 && ticked < boxes.length;
        }
        toggle.addEventListener("change", () => {
            boxes.forEach((box) => { box.checked = toggle.checked; });
            reflect();
        });
        list.addEventListener("change", reflect);
        toggle.closest("label").hidden = false;
        reflect();
    }
    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", setUp);
    } else {
        setUp();
    }
}
