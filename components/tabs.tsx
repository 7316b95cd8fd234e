"use client";

import { useId, useRef, useState, type KeyboardEvent, type ReactNode } from "react";
import { cn } from "@/lib/cn";

/** Accessible tabs (WAI-ARIA tabs pattern: arrow keys move between tabs). */
export function Tabs({ tabs }: { tabs: { id: string; label: string; content: ReactNode }[] }) {
  const [active, setActive] = useState(0);
  const baseId = useId();
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  function onKeyDown(event: KeyboardEvent<HTMLButtonElement>) {
    const delta = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
    if (event.key === "Home" || event.key === "End" || delta !== 0) {
      event.preventDefault();
      const next =
        event.key === "Home" ? 0 : event.key === "End" ? tabs.length - 1 : (active + delta + tabs.length) % tabs.length;
      setActive(next);
      refs.current[next]?.focus();
    }
  }
  return (
    <div>
      <div role="tablist" className="flex gap-1 border-b border-slate-300">
        {tabs.map((tab, index) => (
          <button
            key={tab.id}
            ref={(element) => {
              refs.current[index] = element;
            }}
            type="button"
            role="tab"
            id={`${baseId}-${tab.id}-tab`}
            aria-selected={index === active}
            aria-controls={`${baseId}-${tab.id}-panel`}
            tabIndex={index === active ? 0 : -1}
            onClick={() => setActive(index)}
            onKeyDown={onKeyDown}
            className={cn(
              "-mb-px border-b-2 px-4 py-2 text-sm font-medium",
              index === active ? "border-blue-700 text-blue-800" : "border-transparent text-slate-700 hover:text-slate-900",
            )}
          >
            {tab.label}
          </button>
        ))}
      </div>
      {tabs.map((tab, index) => (
        <div
          key={tab.id}
          role="tabpanel"
          id={`${baseId}-${tab.id}-panel`}
          aria-labelledby={`${baseId}-${tab.id}-tab`}
          hidden={index !== active}
          className="pt-4"
        >
          {tab.content}
        </div>
      ))}
    </div>
  );
}
