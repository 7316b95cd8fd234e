import { cn } from "@/lib/cn";

/** A table's header row: one column header per name. */
export function TableHead({ columns, compact = false, className }: { columns: string[]; compact?: boolean; className?: string }) {
  return (
    <thead className={cn("text-slate-700", className)}>
      <tr>
        {columns.map((column) => (
          <th key={column} scope="col" className={cn(compact ? "px-3 py-2" : "px-4 py-3", "font-medium")}>
            {column}
          </th>
        ))}
      </tr>
    </thead>
  );
}
