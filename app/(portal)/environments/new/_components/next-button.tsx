import { Button } from "@/components/ui/button";

/** A wizard step's submit button, at the end of its form. */
export function NextButton({ pending, pendingLabel = "Saving…" }: { pending: boolean; pendingLabel?: string }) {
  return (
    <div className="flex justify-end">
      <Button type="submit" disabled={pending}>
        {pending ? pendingLabel : "Next"}
      </Button>
    </div>
  );
}
